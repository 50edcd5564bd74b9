import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates `dir` (and every missing parent, such as DATA_DIR itself) readable by this user only:
 * DATA_DIR holds the embedded database, local uploads and development keys.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Takes group and other permissions off a tree this process owns. PGlite (emscripten's file
 * system) creates its files 0666 whatever the umask, so the embedded database directory is
 * tightened when it is opened and when it is closed; in between, its 0700 directories keep
 * other users out of the files it adds.
 */
export function tightenTree(root: string): void {
  const visit = (p: string, isDir: boolean) => {
    const mode = fs.statSync(p).mode & 0o777;
    const wanted = isDir ? 0o700 : mode & 0o700;
    if (mode !== wanted) fs.chmodSync(p, wanted);
    if (!isDir) return;
    for (const entry of fs.readdirSync(p, { withFileTypes: true }))
      if (!entry.isSymbolicLink()) visit(path.join(p, entry.name), entry.isDirectory());
  };
  if (fs.existsSync(root)) visit(root, true);
}
