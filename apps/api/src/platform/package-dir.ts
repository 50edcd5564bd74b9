import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The API package's folder (apps/api, /app/apps/api in the image): the nearest folder holding a
 * package.json above the running module. Found by walking up rather than by a fixed `../..` because
 * the same code runs from src/ (tsx, tests) and bundled into dist/ (`node dist/main.js`).
 */
export const PACKAGE_DIR = findPackageDir(path.dirname(fileURLToPath(import.meta.url)));

function findPackageDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
