import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStorage } from '../../modules/files/storage.js';
import { createDatabase } from './client.js';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** Every path under `root` whose group or other users may read, write or enter it. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    if ((mode(p) & 0o077) !== 0) found.push(`${path.relative(root, p) || '.'} ${mode(p).toString(8)}`);
    if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(root);
  return found;
}

let scratch: string;
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('DATA_DIR', () => {
  it('is created 0700 with the embedded database, whose files no other user can read or write', {
    timeout: 120_000,
  }, async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-datadir-'));
    const dataDir = path.join(scratch, 'data');
    const database = await createDatabase({ poolMax: 1, dataDir: path.join(dataDir, 'pglite') });
    try {
      await database.migrate();
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(dataDir, 'pglite'))).toBe(0o700);
    } finally {
      await database.close();
    }
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it('tightens an embedded database an earlier version left world-writable', { timeout: 120_000 }, async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-datadir-'));
    const pglite = path.join(scratch, 'pglite');
    await (await createDatabase({ poolMax: 1, dataDir: pglite })).close();
    fs.chmodSync(pglite, 0o755);
    fs.chmodSync(path.join(pglite, 'PG_VERSION'), 0o666);
    const database = await createDatabase({ poolMax: 1, dataDir: pglite });
    expect(openToOthers(pglite)).toEqual([]);
    await database.close();
  });

  it('is created 0700 by local file storage too (uploads without the embedded database)', async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-datadir-'));
    const dataDir = path.join(scratch, 'data');
    await new LocalObjectStorage(path.join(dataDir, 'files')).put(
      `${randomUUID()}/${randomUUID()}`,
      Readable.from(['hello']),
    );
    expect(openToOthers(dataDir)).toEqual([]);
  });
});
