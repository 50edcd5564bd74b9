// Starts and stops the API and the built web app for the e2e run. Each server is its own process
// group, so stopping it by PID also stops what npm spawned under it.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export function startProcess(name, command, args, { cwd, env, logFile }) {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code) => log.write(`\n[${name} exited with ${code}]\n`));
  return child;
}

export function stopProcess(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export async function waitForHttp(url, { timeoutMs = 90_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${url}: the server exited (${child.exitCode}) before answering`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}
