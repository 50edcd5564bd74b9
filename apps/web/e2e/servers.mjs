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

/** The first stdout line of `child`, parsed as JSON (how the local Stripe announces its URL and prices). */
export function waitForJsonLine(child, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => done(new Error(`no JSON line within ${timeoutMs / 1000}s`)), timeoutMs);
    const onData = (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      try {
        done(undefined, JSON.parse(buffered.slice(0, newline)));
      } catch (error) {
        done(new Error(`not a JSON line: ${buffered.slice(0, newline)} (${error})`));
      }
    };
    const onExit = (code) => done(new Error(`exited (${code}) before printing its JSON line`));
    function done(error, value) {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}
