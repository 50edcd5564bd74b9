import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackTemplate } from './pglite-template.js';

/** A ustar archive of `entries` (directories end with `/`); checksums are not read by the unpacker. */
function tar(entries: [name: string, content?: string][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of entries) {
    const header = Buffer.alloc(512);
    const data = Buffer.from(content ?? '');
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(name.endsWith('/') ? '5' : '0', 156);
    header.write('ustar\0', 257);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

describe('unpacking the embedded database template', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-template-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('writes private folders and files, PG_VERSION included', () => {
    const dir = path.join(tmp(), 'pglite');
    unpackTemplate(tar([['/PG_VERSION', '17\n'], ['/base/'], ['/base/1/'], ['/base/1/112', 'x'.repeat(700)]]), dir);
    expect(fs.readFileSync(path.join(dir, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(fs.readFileSync(path.join(dir, 'base/1/112'), 'utf8')).toBe('x'.repeat(700));
    expect(fs.statSync(path.join(dir, 'base/1')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'base/1/112')).mode & 0o777).toBe(0o600);
  });

  it('keeps an entry naming .. inside the data dir, and writes no PG_VERSION when cut short', () => {
    const parent = tmp();
    const dir = path.join(parent, 'pglite');
    expect(() =>
      unpackTemplate(
        tar([
          ['/PG_VERSION', '17\n'],
          ['../../escaped', 'no'],
        ]),
        dir,
      ),
    ).not.toThrow();
    expect(fs.existsSync(path.join(parent, 'escaped'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'escaped'), 'utf8')).toBe('no');
    const other = path.join(tmp(), 'pglite');
    const cut = tar([
      ['/PG_VERSION', '17\n'],
      ['/base/big', 'y'.repeat(2000)],
    ]).subarray(0, 1536);
    expect(() => unpackTemplate(cut, other)).toThrow('cut short');
    expect(fs.existsSync(path.join(other, 'PG_VERSION'))).toBe(false);
  });
});
