#!/usr/bin/env node
// Compiles the API to JavaScript (dist/main.js, dist/cli/index.js) so a start does not transpile
// TypeScript (tsx took most of a cold start), and packs a migrated embedded database
// (dist/pglite-template.tar.gz) that a start on an empty DATA_DIR unpacks instead of running
// PGlite's initdb and every migration (see src/platform/db/pglite-template.ts). Our own sources and @agentry/contracts (a workspace
// package exporting TypeScript) are bundled; every other package stays an import resolved from
// node_modules at run time, so PGlite's wasm/data files, native modules and lazy `import()`s of
// heavy SDKs behave as they do under tsx.
//
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when a source is newer than the last build
//
// `buildIfStale()` is shared by scripts/run-built.mjs (`npm run start:api`, `npm run agentry`), the
// test global setup and the benchmarks, so nothing spawns a stale dist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptFile = fileURLToPath(import.meta.url);
export const apiRoot = path.resolve(path.dirname(scriptFile), '..');
export const distDir = path.join(apiRoot, 'dist');
const repoRoot = path.resolve(apiRoot, '../..');
/** Written last by a successful build: its mtime is the build's. */
const stampFile = path.join(distDir, '.build-stamp');

const ENTRY_POINTS = {
  main: 'src/main.ts',
  'cli/index': 'src/cli/index.ts',
  'make-pglite-template': 'src/platform/db/make-pglite-template.ts',
};
/** What the bundle is made of: a change here makes the build stale. */
const SOURCES = [
  path.join(apiRoot, 'src'),
  path.join(apiRoot, 'drizzle'),
  path.join(repoRoot, 'packages/contracts/src'),
  path.join(repoRoot, 'packages/contracts/package.json'),
  path.join(apiRoot, 'package.json'),
  scriptFile,
];
const isTestFile = (name) => name.endsWith('.test.ts') || name.endsWith('.md');

/** The newest mtime of a file or tree; directories count too (their mtime moves when a file is added or removed). */
function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
    if (entry.isFile() && isTestFile(entry.name)) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

export function isStale() {
  const built = fs.statSync(stampFile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return SOURCES.some((s) => newestMtime(s) > built);
}

/** Bare specifiers stay imports, except our workspace packages (TypeScript sources, bundled in). */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@agentry/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** `log` receives the one-line summary (the runner sends it to stderr: the CLI's stdout may be piped). */
export async function build({ log = console.log } = {}) {
  // Loaded here, not at the top: a start on an up-to-date dist never pays for esbuild.
  const esbuild = await import('esbuild');
  const started = Date.now();
  fs.rmSync(stampFile, { force: true });
  // dist/ is not emptied: the entry files are overwritten, and the template outlives builds that
  // change neither PGlite nor the migrations (its own key says when it must be made again).
  await esbuild.build({
    absWorkingDir: apiRoot,
    entryPoints: ENTRY_POINTS,
    outdir: distDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Code reached only through `import()` (the agents SDK's side: src/modules/agents/agent-runtime.ts)
    // goes into chunks of its own, so a start does not load the packages it imports.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node20',
    plugins: [externalPackages],
    // Class and function names show in logs, errors and Fastify's plugin names as in the sources.
    keepNames: true,
    // Stack traces map back to src/ with `node --enable-source-maps` (not on by default: it slows a start).
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  pruneChunks();
  const template = spawnSync(process.execPath, [path.join(distDir, 'make-pglite-template.js')], {
    cwd: apiRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (template.status !== 0) throw new Error('making the embedded database template failed');
  fs.writeFileSync(stampFile, `${new Date().toISOString()}\n`);
  log(`Built the API into ${path.relative(repoRoot, distDir)}/ in ${Date.now() - started} ms.`);
}

/**
 * Chunks are named by their content hash, and a running API imports some of them on first use
 * (the agents SDK's side): an earlier build's chunks stay while a process started from it may still
 * run, and go once a day old (this build rewrote its own just now).
 */
function pruneChunks() {
  const dir = path.join(distDir, 'chunks');
  const old = Date.now() - 24 * 3600 * 1000;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isFile() && fs.statSync(file).mtimeMs < old) fs.rmSync(file, { force: true });
  }
}

/** Builds when the sources changed since the last build (or there is none); true when it built. */
export async function buildIfStale(options) {
  if (!isStale()) return false;
  await build(options);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === scriptFile) {
  const ifStale = process.argv.includes('--if-stale');
  await (ifStale ? buildIfStale() : build());
}
