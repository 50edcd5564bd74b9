/**
 * Child processes of the benchmark: the fake model server and the real API (compiled `dist/main.js`,
 * built first when stale, as `npm run start:api` runs it), each in
 * its own event loop, on 127.0.0.1 ports picked at random in 20000-29999. With a PostgreSQL URL the
 * API gets a fresh database (dropped afterwards) and with a Redis URL a key prefix of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const apiRoot = path.join(root, 'apps/api');
export const randomPort = () => 20000 + Math.floor(Math.random() * 10000);

export interface Child {
  url: string;
  stop(): Promise<void>;
  /** CPU time (user + system) the process has used so far, in ms; undefined where /proc is missing. */
  cpuMs(): number | undefined;
}

/** utime + stime of a process from /proc (clock ticks, 100 per second on Linux). */
function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Spawns a script with this Node: TypeScript through tsx unless `compiled` (plain JavaScript). */
function spawnTs(
  script: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; nodeArgs?: string[]; compiled?: boolean },
) {
  let output = '';
  const loader = options.compiled ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, script, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  // BENCH_API_OUTPUT=<file>: keep the children's output (logs, probes) for inspection.
  if (process.env.BENCH_API_OUTPUT) {
    const file = fs.createWriteStream(process.env.BENCH_API_OUTPUT, { flags: 'a' });
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, output: () => output, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startFakeServer(words: number): Promise<Child> {
  const { child, output, exited } = spawnTs(
    path.join(root, 'bench/chat-stream/fake-server.ts'),
    [String(randomPort()), String(words)],
    { cwd: root, env: {} },
  );
  const deadline = Date.now() + 30_000;
  while (!output().includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`fake server did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { baseURL } = JSON.parse(output().split('\n')[0]!) as { baseURL: string };
  return { url: baseURL, stop: () => stopChild(child, exited), cpuMs: () => cpuMsOf(child.pid) };
}

/** The floor (bench/floor/server.ts): the same SDK run on a bare Fastify route, its own process. */
export async function startFloor(env: Record<string, string>, cpuProfDir?: string): Promise<Child> {
  const { child, output, exited } = spawnTs(path.join(root, 'bench/floor/server.ts'), [String(randomPort())], {
    cwd: root,
    env,
    // The floor's own profiles (main thread: `.0.001`) in `floor/` beside the API's (BENCH_CPU_PROF_DIR).
    nodeArgs: cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(cpuProfDir, 'floor')}`] : [],
  });
  const deadline = Date.now() + 60_000;
  while (!output().includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`floor did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const { url } = JSON.parse(output().split('\n')[0]!) as { url: string };
  return { url, stop: () => stopChild(child, exited), cpuMs: () => cpuMsOf(child.pid) };
}

/** Where the API keeps its state: a fresh PostgreSQL database + Redis prefix, or embedded. */
export interface Backing {
  env: Record<string, string>;
  label: string;
  cleanup(): Promise<void>;
}

export async function prepareBacking(databaseUrl: string | undefined, redisUrl: string | undefined): Promise<Backing> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-bench-'));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  let label = 'database=pglite (embedded)';
  if (databaseUrl) {
    const name = `agentry_bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    label = 'database=postgresql';
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    });
  }
  if (redisUrl) {
    const prefix = `agentry:bench:${process.pid}:${crypto.randomBytes(3).toString('hex')}:`;
    env.REDIS_URL = redisUrl;
    env.REDIS_KEY_PREFIX = prefix;
    label += ', ports=redis';
    cleanups.push(async () => {
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    });
  } else {
    label += ', ports=memory (embedded)';
  }
  return {
    env,
    label,
    cleanup: async () => {
      for (const c of cleanups.reverse()) await c();
    },
  };
}

/** Builds apps/api/dist when its sources changed, so no benchmark starts a stale build. */
export async function buildApiIfStale(): Promise<void> {
  const { buildIfStale } = (await import('../../apps/api/scripts/build.mjs')) as {
    buildIfStale: () => Promise<boolean>;
  };
  await buildIfStale();
}

/**
 * The real API process, as `npm run start:api` runs it: `node dist/main.js` (built first when
 * stale); `runtime: 'tsx'` runs `src/main.ts` through tsx instead, as starts did before the build
 * step (bench/cold-start compares the two). `cpuProfDir` adds `--cpu-prof`.
 */
export async function startApi(
  env: Record<string, string>,
  cpuProfDir?: string,
  runtime: 'compiled' | 'tsx' = 'compiled',
  /** Another checkout's apps/api (bench/cold-start's baseline); this one's by default. */
  apiDir: string = apiRoot,
): Promise<Child> {
  const port = randomPort();
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  if (runtime === 'compiled') await buildApiIfStale();
  const { child, output, exited } = spawnTs(runtime === 'compiled' ? 'dist/main.js' : 'src/main.ts', [], {
    cwd: apiDir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    nodeArgs,
    compiled: runtime === 'compiled',
  });
  const url = `http://127.0.0.1:${port}`;
  // BENCH_API_READY_SECONDS: a start through tsx on an empty data dir takes minutes on a crowded host.
  const deadline = Date.now() + Number(process.env.BENCH_API_READY_SECONDS ?? 90) * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API not ready:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    cpuMs: () => cpuMsOf(child.pid),
    stop: async () => {
      await stopChild(child, exited);
      const errors = output()
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l));
      if (errors.length)
        process.stderr.write(`API logged ${errors.length} error(s), first: ${errors[0]!.slice(0, 400)}\n`);
    },
  };
}
