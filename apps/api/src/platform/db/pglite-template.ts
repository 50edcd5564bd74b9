import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { PACKAGE_DIR } from '../package-dir.js';

/**
 * A migrated PGlite data directory, packed at build time (`make-pglite-template.ts`, run by
 * scripts/build.mjs) into dist/. An embedded start on an empty DATA_DIR unpacks it instead of
 * running PGlite's initdb and every migration — most of an empty start's time. It is used only when
 * it was made by the installed PGlite from the migrations on disk (its key); otherwise the start
 * creates the database as before.
 */
export const TEMPLATE_FILE = path.join(PACKAGE_DIR, 'dist', 'pglite-template.tar.gz');
const KEY_FILE = `${TEMPLATE_FILE}.key`;

const require = createRequire(import.meta.url);

/** The installed PGlite's version and a hash of the migration journal: what the template depends on. */
export function templateKey(): string {
  let dir = path.dirname(require.resolve('@electric-sql/pglite'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const journal = path.join(PACKAGE_DIR, 'drizzle', 'meta', '_journal.json');
  const migrations = fs.existsSync(journal) ? fs.readFileSync(journal) : Buffer.alloc(0);
  return `pglite ${version}, journal ${crypto.createHash('sha256').update(migrations).digest('hex')}`;
}

const gunzip = promisify(zlib.gunzip);

/**
 * The template's tar (unzipped on the thread pool, so the start goes on meanwhile), when one made
 * for this PGlite and these migrations is there.
 */
export async function readTemplateTar(): Promise<Buffer | undefined> {
  let zipped: Buffer;
  try {
    if ((await fs.promises.readFile(KEY_FILE, 'utf8')) !== templateKey()) return undefined;
    zipped = await fs.promises.readFile(TEMPLATE_FILE);
  } catch {
    return undefined; // not built (running from src/, or an older build)
  }
  return gunzip(zipped);
}

/**
 * Writes the template's files into `dir` (PGlite's data directory on disk) with node's fs: PGlite's
 * own `loadDataDir` unpacks through its emulated file system, several opens and syscalls per file
 * (~1,200 files), which was most of an empty start (docs/performance.md "Cold start"). Folders are
 * made 0700 and files 0600 (the data directory is private). `PG_VERSION`, which marks the directory
 * as a database, is written last: an unpacking cut short is unpacked again by the next start.
 */
export function unpackTemplate(tar: Buffer, dir: string): void {
  const root = path.resolve(dir);
  const inside = (name: string) => {
    const p = path.resolve(root, `.${path.posix.normalize(`/${name}`)}`);
    if (p !== root && !p.startsWith(root + path.sep)) throw new Error(`template entry ${name} is outside the data dir`);
    return p;
  };
  const field = (header: Buffer, from: number, to: number) => {
    const raw = header.subarray(from, to);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
  };
  let last: { file: string; data: Buffer } | undefined;
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header[0] === 0) break; // the end-of-archive blocks
    const prefix = field(header, 345, 500);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const size = Number.parseInt(field(header, 124, 136).trim() || '0', 8);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]!);
    offset += 512;
    const data = tar.subarray(offset, offset + size);
    offset += Math.ceil(size / 512) * 512;
    if (!Number.isFinite(size) || data.length !== size) throw new Error(`template entry ${name} is cut short`);
    const target = inside(name);
    if (type === '5') fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (type === '0') {
      if (path.relative(root, target) === 'PG_VERSION') last = { file: target, data };
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
        fs.writeFileSync(target, data, { mode: 0o600 });
      }
    } else throw new Error(`template entry ${name} has an unexpected type ${type}`);
  }
  if (!last) throw new Error('the template holds no PG_VERSION');
  fs.writeFileSync(last.file, last.data, { mode: 0o600 });
}

export function writeTemplate(tarball: Buffer, key: string): void {
  fs.mkdirSync(path.dirname(TEMPLATE_FILE), { recursive: true });
  fs.writeFileSync(TEMPLATE_FILE, tarball);
  fs.writeFileSync(KEY_FILE, key); // last: a template without its key is never used
}

export function templateIsCurrent(): boolean {
  try {
    return fs.readFileSync(KEY_FILE, 'utf8') === templateKey() && fs.existsSync(TEMPLATE_FILE);
  } catch {
    return false;
  }
}
