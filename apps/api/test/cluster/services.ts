import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

/**
 * The cluster's own PostgreSQL and Redis: private servers on loopback ports, in a temporary
 * directory, so the fault tests can stop and restart them without touching the machine's shared ones.
 */

const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length ? path.join(root, versions[0], 'bin') : '';
})();

/** initdb and postgres refuse to run as root: run them as the `postgres` system user then. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface PrivatePostgres {
  /** postgres://… of the cluster's database. */
  url: string;
  /** A pool on that database for the tests' own reads (row counts). */
  pool: pg.Pool;
  stop(): void;
  start(): void;
  destroy(): Promise<void>;
}

export async function startPostgres(dir: string, port: number): Promise<PrivatePostgres> {
  if (!PG_BIN) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (Debian package postgresql)');
  const data = path.join(dir, 'pg');
  fs.mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const run = (bin: string, args: string[]) => {
    const [cmd, argv] = asPostgres(path.join(PG_BIN, bin), args);
    execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'postgres.log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
      'start',
    ]);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const name = `agentry_cluster_${process.pid}`;
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${port}/${name}`;
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  // The pool outlives the fault tests' outages: an idle client's error must not crash the runner.
  pool.on('error', () => {});
  return {
    url,
    pool,
    stop,
    start,
    async destroy() {
      await pool.end().catch(() => {});
      try {
        stop();
      } catch {
        // already stopped
      }
    },
  };
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** redis-server with an append-only file, so a stop and start keeps the queues and streams (as a deployment's would). */
export async function startRedis(dir: string, port: number): Promise<PrivateRedis> {
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir],
      { stdio: ['ignore', fs.openSync(path.join(dir, 'redis.log'), 'a'), 'inherit'] },
    );
    await waitForPort(port, 10_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
