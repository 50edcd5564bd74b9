import { deflateRawSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { makeDocx } from '../../../test/support/knowledge-files.js';
import { chunkPages, extractText, MAX_PDF_PAGES } from './extract.js';
import { hashedNgrams } from './embeddings.js';
import { DOCX, resolveType, sniff } from './sniff.js';

/** A ZIP whose central directory declares `size` bytes unzipped for one small deflated entry. */
function zipDeclaring(name: string, data: Buffer, size: number): Buffer {
  const compressed = deflateRawSync(data);
  const nameBuf = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const localPart = Buffer.concat([local, nameBuf, compressed]);
  const centralPart = Buffer.concat([central, nameBuf]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

describe('extraction bounds', () => {
  it('refuses a zip-bomb style DOCX from its directory, before inflating anything', async () => {
    const bomb = zipDeclaring('word/document.xml', Buffer.alloc(1_000_000), 3_000_000_000);
    expect(sniff(bomb)).toEqual({ kind: 'binary', type: DOCX });
    await expect(extractText(bomb, DOCX)).rejects.toThrow('The document is too large when unzipped.');
    // A high ratio alone is refused too (20 MB of zeros, declared honestly, deflate beyond 1000:1).
    const ratio = zipDeclaring('word/document.xml', Buffer.alloc(20_000_000), 20_000_000);
    await expect(extractText(ratio, DOCX)).rejects.toThrow(/too large when unzipped/);
  });

  it('reads a real DOCX', async () => {
    const pages = await extractText(await makeDocx(['First paragraph.', 'Second paragraph.']), DOCX);
    expect(pages[0]?.text).toMatch(/First paragraph\.\s+Second paragraph\./);
  });

  it(`refuses a PDF of more than ${MAX_PDF_PAGES} pages without reading its pages`, async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < MAX_PDF_PAGES + 1; i++) doc.addPage([100, 100]);
    const bytes = Buffer.from(await doc.save());
    await expect(extractText(bytes, 'application/pdf')).rejects.toThrow(`The PDF has ${MAX_PDF_PAGES + 1} pages`);
  });

  it('HTML loses its tags, scripts and styles', async () => {
    const [page] = await extractText(
      Buffer.from('<html><style>p{}</style><script>alert(1)</script><p>Hello <b>world</b></p></html>'),
      'text/html',
    );
    expect(page?.text.replace(/\s+/g, ' ').trim()).toBe('Hello world');
  });
});

describe('chunking', () => {
  it('keeps chunks within the token bound, on paragraph boundaries, with overlap, never across pages', () => {
    const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} ${'word '.repeat(40)}end${i}.`);
    const chunks = chunkPages([
      { page: 1, text: paragraphs.join('\n\n') },
      { page: 2, text: 'Only on page two.' },
    ]);
    const page1 = chunks.filter((c) => c.page === 1);
    expect(page1.length).toBeGreaterThan(3);
    for (const c of page1) expect(c.text.length).toBeLessThanOrEqual(300 * 4);
    // Each chunk after the first starts with the tail of the one before it (overlap).
    for (let i = 1; i < page1.length; i++) {
      const head = page1[i]?.text.split('\n')[0] ?? '';
      expect(page1[i - 1]?.text.endsWith(head)).toBe(true);
    }
    // No paragraph is cut: every paragraph appears whole in some chunk.
    for (const p of paragraphs) expect(page1.some((c) => c.text.includes(p.replace(/\s+/g, ' ').trim()))).toBe(true);
    expect(chunks.at(-1)).toEqual({ page: 2, text: 'Only on page two.' });
  });
});

describe('type from the bytes', () => {
  it('refuses executables whatever they are called, and names that contradict the bytes', () => {
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    const base = { validText: false, declared: 'application/pdf', purpose: 'knowledge' as const };
    expect(resolveType({ ...base, sniffed: sniff(elf), filename: 'a.pdf' })).toHaveProperty('refused');
    const pdf = Buffer.from('%PDF-1.7\n');
    expect(resolveType({ ...base, sniffed: sniff(pdf), filename: 'a.pdf' })).toEqual({ type: 'application/pdf' });
    expect(resolveType({ ...base, sniffed: sniff(pdf), filename: 'a.docx' })).toHaveProperty('refused');
    expect(
      resolveType({
        sniffed: sniff(Buffer.from('a,b\n1,2')),
        validText: true,
        declared: undefined,
        filename: 'x.csv',
        purpose: 'knowledge',
      }),
    ).toEqual({ type: 'text/csv' });
  });

  it('the offline embedding is deterministic and lexical', () => {
    const a = hashedNgrams('parking permit renewal');
    expect(hashedNgrams('parking permit renewal')).toEqual(a);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    expect(dot(a, hashedNgrams('permit for parking'))).toBeGreaterThan(
      dot(a, hashedNgrams('quarterly revenue forecast')),
    );
  });
});
