import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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

/** The template, when one made for this PGlite and these migrations is there. */
export function readTemplate(): Blob | undefined {
  try {
    if (fs.readFileSync(KEY_FILE, 'utf8') !== templateKey()) return undefined;
    return new Blob([fs.readFileSync(TEMPLATE_FILE)]);
  } catch {
    return undefined; // not built (running from src/, or an older build)
  }
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
