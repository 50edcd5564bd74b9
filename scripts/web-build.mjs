// Builds the web app when its sources (or the contracts it imports) are newer than its last build.
// Shared by `npm start` and the web app's end-to-end tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IGNORED = new Set(['node_modules', '.next', 'test-results', 'e2e', 'tests']);

/** The newest modification time under `dir`, ignoring build output, tests and dependencies. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function buildWebIfStale(env = process.env) {
  const web = path.join(root, 'apps/web');
  const buildId = path.join(web, '.next/BUILD_ID');
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const sources = Math.max(newestMtime(web), newestMtime(path.join(root, 'packages/contracts/src')));
  if (built >= sources) return;
  console.log('Building the web app (first start or sources changed)…');
  const result = spawnSync('npm', ['run', 'build', '-w', '@agentry/web'], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
