#!/usr/bin/env node
// `npm start`: the whole product on embedded defaults — builds the web app when it must (the API builds
// its dist/ itself when stale: apps/api/scripts/run-built.mjs), starts the
// API (PGlite + in-process ports + offline model unless configured otherwise) on :8000 and the
// web app on :3000, waits until both answer, and prints their URLs. `--dev` runs both in watch mode.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWebIfStale } from './web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
const apiPort = process.env.PORT ?? '8000';
const webPort = process.env.WEB_PORT ?? '3000';
const apiUrl = `http://127.0.0.1:${apiPort}`;
const webUrl = `http://127.0.0.1:${webPort}`;
const env = {
  ...process.env,
  PORT: apiPort,
  WEB_PORT: webPort,
  DATA_DIR: path.resolve(root, process.env.DATA_DIR ?? '.data'),
  API_URL: process.env.API_URL ?? apiUrl,
  PUBLIC_WEB_URL: process.env.PUBLIC_WEB_URL ?? webUrl,
};

const children = [];
function run(name, args) {
  // Its own process group, so stopping reaches npm's children (the node servers) too.
  const child = spawn('npm', args, { cwd: root, env, stdio: 'inherit', detached: true });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping.`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops both servers gracefully (they finish their streams and close their stores), then exits. */
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) signalGroup(child, 'SIGTERM');
  const force = setTimeout(() => {
    for (const child of running) signalGroup(child, 'SIGKILL');
    process.exit(code || 1);
  }, 20_000);
  Promise.all(running.map((c) => new Promise((r) => c.once('exit', r)))).then(() => {
    clearTimeout(force);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(url, name, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!stopping) {
    console.error(`${name} did not become ready at ${url}`);
    stop(1);
  }
}

if (!dev) buildWebIfStale(env);
run('api', ['run', dev ? 'dev' : 'start', '-w', '@agentry/api']);
await waitFor(`${apiUrl}/health/ready`, 'API');
run('web', ['run', dev ? 'dev' : 'start', '-w', '@agentry/web']);
await waitFor(`http://127.0.0.1:${webPort}/login`, 'web app');
if (!stopping) {
  console.log(`
  Agentry is running.
    Web app   ${webUrl}
    API       ${apiUrl}   (docs: ${apiUrl}/docs)
    Data      ${env.DATA_DIR}
  Press Ctrl+C to stop.
`);
}
