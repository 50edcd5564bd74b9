import { DOCX } from './sniff.js';

/** Text of one page (PDF) or of the whole document (`page` null). */
export interface ExtractedPage {
  page: number | null;
  text: string;
}

/** A file that cannot be indexed: the message becomes the file's `error`. */
export class ExtractionError extends Error {
  override name = 'ExtractionError';
}

export const MAX_PDF_PAGES = 2000;
export const MAX_TEXT_CHARS = 5_000_000;
/** Largest unzipped size of a DOCX (zip bombs stop here). */
export const MAX_DOCX_UNZIPPED = 100 * 1024 * 1024;

/** Extracts text by type: text formats as they are (HTML without tags), PDF by page, DOCX. */
export async function extractText(bytes: Buffer, contentType: string): Promise<ExtractedPage[]> {
  let pages: ExtractedPage[];
  if (contentType === 'application/pdf') pages = await extractPdf(bytes);
  else if (contentType === DOCX) pages = [{ page: null, text: await extractDocx(bytes) }];
  else if (contentType === 'text/html') pages = [{ page: null, text: htmlToText(bytes.toString('utf8')) }];
  else pages = [{ page: null, text: bytes.toString('utf8') }];
  let total = 0;
  const bounded: ExtractedPage[] = [];
  for (const p of pages) {
    if (total >= MAX_TEXT_CHARS) break;
    const text = p.text.slice(0, MAX_TEXT_CHARS - total);
    total += text.length;
    bounded.push({ page: p.page, text });
  }
  if (!bounded.some((p) => p.text.trim())) throw new ExtractionError('The file contains no text.');
  return bounded;
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

async function extractPdf(bytes: Buffer): Promise<ExtractedPage[]> {
  const { getDocumentProxy } = await import('unpdf');
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    doc = await getDocumentProxy(new Uint8Array(bytes));
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'PasswordException') throw new ExtractionError('The PDF is encrypted (password protected).');
    throw new ExtractionError('The PDF is corrupt or unreadable.');
  }
  try {
    if (doc.numPages > MAX_PDF_PAGES)
      throw new ExtractionError(`The PDF has ${doc.numPages} pages; at most ${MAX_PDF_PAGES} are indexed.`);
    const pages: ExtractedPage[] = [];
    let total = 0;
    for (let n = 1; n <= doc.numPages && total < MAX_TEXT_CHARS; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as { str?: string; hasEOL?: boolean }[]) {
        if (typeof item.str !== 'string') continue;
        text += item.str + (item.hasEOL ? '\n' : ' ');
      }
      total += text.length;
      pages.push({ page: n, text });
      page.cleanup();
    }
    return pages;
  } finally {
    await doc.destroy().catch(() => {});
  }
}

/** Reads the ZIP central directory and refuses archives whose entries unzip to too much. */
export function checkZipSize(bytes: Buffer, max = MAX_DOCX_UNZIPPED): void {
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new ExtractionError('The document is corrupt (not a ZIP archive).');
  const entries = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50)
      throw new ExtractionError('The document is corrupt (bad ZIP directory).');
    const compressed = bytes.readUInt32LE(offset + 20);
    const size = bytes.readUInt32LE(offset + 24);
    if (size === 0xffffffff || compressed === 0xffffffff)
      throw new ExtractionError('The document is too large when unzipped.');
    total += size;
    if (total > max) throw new ExtractionError('The document is too large when unzipped.');
    if (compressed > 0 && size / compressed > 1000)
      throw new ExtractionError('The document is too large when unzipped.');
    offset += 46 + bytes.readUInt16LE(offset + 28) + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
}

async function extractDocx(bytes: Buffer): Promise<string> {
  checkZipSize(bytes);
  const mammoth = await import('mammoth');
  try {
    const result = await mammoth.extractRawText({ buffer: bytes });
    return result.value;
  } catch {
    throw new ExtractionError('The Word document is corrupt or unreadable.');
  }
}

export interface TextChunk {
  page: number | null;
  text: string;
}

/** Rough token count (≈ 4 characters a token): chunk sizes are bounded by it. */
export const tokensOf = (text: string) => Math.ceil(text.length / 4);

/**
 * Chunks of at most `maxTokens` with `overlapTokens` carried over, split on paragraph boundaries
 * where possible (then sentences, then hard cuts). A chunk never spans two pages.
 */
export function chunkPages(pages: ExtractedPage[], maxTokens = 300, overlapTokens = 50): TextChunk[] {
  const maxChars = maxTokens * 4;
  const overlapChars = overlapTokens * 4;
  const out: TextChunk[] = [];
  for (const { page, text } of pages) {
    const pieces: string[] = [];
    for (const para of text.split(/\n\s*\n/)) {
      const p = para.replace(/\s+/g, ' ').trim();
      if (!p) continue;
      if (p.length <= maxChars) pieces.push(p);
      else {
        const sentences = p.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [p];
        for (const s of sentences) {
          for (let i = 0; i < s.length; i += maxChars) pieces.push(s.slice(i, i + maxChars).trim());
        }
      }
    }
    let current = '';
    for (const piece of pieces) {
      if (current && current.length + 1 + piece.length > maxChars) {
        out.push({ page, text: current });
        const tail = current.slice(-overlapChars);
        const cut = tail.indexOf(' ');
        current = cut >= 0 && cut < tail.length - 1 ? tail.slice(cut + 1) : '';
        if (current.length + 1 + piece.length > maxChars) current = '';
      }
      current = current ? `${current}\n${piece}` : piece;
    }
    if (current.trim()) out.push({ page, text: current });
  }
  return out;
}
