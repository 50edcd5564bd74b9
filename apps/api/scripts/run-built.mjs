#!/usr/bin/env node
// Runs a compiled entry point of the API in this process, building dist/ first when the sources
// changed (or on a fresh clone): `npm run start:api` and `npm run agentry` need no build step.
//
//   node scripts/run-built.mjs main               the API (dist/main.js)
//   node scripts/run-built.mjs cli/index db ...   the CLI (dist/cli/index.js) with its arguments
//
// Images and the cluster test run `node dist/main.js` directly (deploy/start-commands.json).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, distDir } from './build.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-built.mjs <entry in dist/, e.g. main or cli/index> [args...]');
  process.exit(64);
}
const file = path.join(distDir, `${entry}.js`);
await buildIfStale({ log: (line) => process.stderr.write(`${line}\n`) });
// The entry sees the argv it would see when started as `node dist/<entry>.js args...`.
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
