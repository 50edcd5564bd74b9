import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from '../../scripts/build.mjs';
import { freePort } from '../support/api-process.js';
import { keysetJson } from '../support/production-env.js';
import { startPostgres, startRedis, waitForPort, type PrivatePostgres, type PrivateRedis } from './services.js';

/**
 * A real multi-process Agentry on loopback: API replicas (AGENTRY_ROLES=api) and workers
 * (AGENTRY_ROLES=worker) started as the images start them (`node dist/main.js`, built first when stale),
 * nginx in front, private PostgreSQL and Redis, and the fake Stripe server (billing on).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const apiRoot = path.resolve(here, '../..');
const repoRoot = path.resolve(apiRoot, '../..');
/** The proxy rules deploy/compose.yaml uses: the cluster's nginx includes the same file. */
const PROXY_CONF = path.join(repoRoot, 'deploy/nginx/agentry-proxy.conf');

export const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
export const WEBHOOK_SECRET = 'whsec_cluster_test';

export interface NodeProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** The last 64 KiB of its output. */
  output(): string;
  /** Whether it exited (and how) since it started. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
}

export interface Cluster {
  dir: string;
  proxyUrl: string;
  proxyPort: number;
  apis: NodeProcess[];
  workers: NodeProcess[];
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  stripe: { url: string; priceMap: Record<string, string> };
  env: Record<string, string>;
  /** Starts (again) the API replica `i` on its port. */
  startApi(i: number): Promise<NodeProcess>;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stopProcess(p: NodeProcess, signal?: NodeJS.Signals): Promise<number | null>;
  /** Every process (APIs, workers, nginx, Stripe) that exited without being asked to. */
  unexpectedExits(): string[];
  close(): Promise<void>;
}

export interface ClusterOptions {
  apis?: number;
  workers?: number;
  /** Extra environment for every API and worker process. */
  env?: Record<string, string>;
  /** LOG_LEVEL of the Agentry processes (warn by default; their output is kept in files under `dir`). */
  logLevel?: string;
  /** How long each API and worker process may take to become ready (CLUSTER_READY_TIMEOUT_MS or 90 s by default; a crowded host needs more). */
  readyTimeoutMs?: number;
}

/**
 * How the processes start: deploy/start-commands.json (the images', compose's and the chart's one
 * source, when present) or the same commands written here; `node` is this runner's Node.
 */
const START_COMMANDS: Record<'api' | 'migrate', string[]> = (() => {
  const file = path.join(repoRoot, 'deploy/start-commands.json');
  const fallback = {
    api: ['node', 'dist/main.js'],
    migrate: ['node', 'dist/cli/index.js', 'db', 'migrate'],
  };
  if (!fs.existsSync(file)) return fallback;
  const commands = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { api: commands.api.command, migrate: commands.migrate.command };
})();
const nodeArgs = (command: string[]) => {
  if (command[0] !== 'node') throw new Error(`the cluster starts node commands, not ${command[0]}`);
  return command.slice(1);
};
const tsxEntry = (entry: string) => ['--import', 'tsx', entry.startsWith('/') ? entry : path.join(apiRoot, entry)];

function spawnNode(name: string, args: string[], env: Record<string, string>, dir: string, port: number): NodeProcess {
  let tail = '';
  const log = fs.createWriteStream(path.join(dir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, args, {
    cwd: apiRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    log.end();
  });
  return { name, port, url: `http://127.0.0.1:${port}`, child, output: () => tail, exited: () => exit };
}

/** How long a started process may take to answer ready (CLUSTER_READY_TIMEOUT_MS: longer on a loaded machine). */
const READY_TIMEOUT_MS = Number(process.env.CLUSTER_READY_TIMEOUT_MS ?? 90_000);

async function waitReady(p: NodeProcess, pathname: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.exited()) throw new Error(`${p.name} exited (${JSON.stringify(p.exited())}):\n${p.output()}`);
    try {
      const res = await fetch(`${p.url}${pathname}`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${p.name} not ready in ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads the first JSON line a helper server prints on stdout. */
function firstJsonLine<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('no JSON line in time')), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.trim().startsWith('{'));
      if (line && buffer.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its JSON line`)));
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `agentry-cluster-${process.pid}-`));
  fs.chmodSync(dir, 0o755);
  const [pgPort, redisPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const apiPorts: number[] = [];
  for (let i = 0; i < (options.apis ?? 3); i++) apiPorts.push(await freePort());
  const workerPorts: number[] = [];
  for (let i = 0; i < (options.workers ?? 2); i++) workerPorts.push(await freePort());

  /** Children stopped on purpose: their exit is not a failure. */
  const stopping = new Set<ChildProcess>();
  const helpers: ChildProcess[] = [];
  const postgres = await startPostgres(path.join(dir, 'postgres'), pgPort);
  const redis = await startRedis(dir, redisPort);

  // The fake Stripe delivers its webhooks through the proxy, as Stripe reaches a deployment.
  const stripeChild = spawn(process.execPath, tsxEntry('test/support/fake-stripe-server.ts'), {
    cwd: apiRoot,
    env: {
      PATH: process.env.PATH ?? '',
      FAKE_STRIPE_WEBHOOK_URL: `http://127.0.0.1:${proxyPort}/webhooks/stripe`,
      FAKE_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      FAKE_STRIPE_CHECKOUT_EVENT_DELAY_MS: '200',
    },
    stdio: ['ignore', 'pipe', fs.openSync(path.join(dir, 'stripe.log'), 'a')],
  });
  helpers.push(stripeChild);
  const stripe = await firstJsonLine<{ url: string; priceMap: Record<string, string> }>(stripeChild, 60_000);

  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: options.logLevel ?? 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: postgres.url,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: redis.url,
    AUTO_MIGRATE: 'false',
    AUTH_KEYSET_JSON: keysetJson(),
    AUTH_BCRYPT_COST: '4',
    METRICS_TOKEN,
    TRUST_PROXY: '127.0.0.1',
    MODEL_PROVIDER: 'offline',
    OFFLINE_MODEL_DELAY_MS: '25',
    ENABLE_BILLING: 'true',
    STRIPE_SECRET_KEY: 'sk_test_cluster',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE_URL: stripe.url,
    STRIPE_PRODUCT_PRICE_MAP: JSON.stringify(stripe.priceMap),
    STRIPE_EVENT_BACKOFF_MS: '200',
    // Many users sign up and chat from one address in a few minutes: the quotas are tested elsewhere.
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '0',
    RATE_LIMIT_CHAT_PER_MINUTE: '0',
    RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
    RATE_LIMIT_SHARED_READ_PER_IP_PER_MINUTE: '0',
    SHUTDOWN_GRACE_MS: '20000',
    // The documented bound of a lost run is CHAT_RUN_STALE_MS + CHAT_RUN_REAPER_INTERVAL_MS: short here.
    CHAT_RUN_HEARTBEAT_MS: '300',
    CHAT_RUN_STALE_MS: '2000',
    CHAT_RUN_REAPER_INTERVAL_MS: '500',
    ...options.env,
  };

  await buildIfStale(); // the processes below run apps/api/dist
  // Migrations once, before any new code starts (as the deployment's migration step does).
  execFileSync(process.execPath, nodeArgs(START_COMMANDS.migrate), {
    cwd: apiRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  const apis: NodeProcess[] = [];
  const workers: NodeProcess[] = [];
  const startApi = async (i: number) => {
    const p = spawnNode(
      `api-${i}`,
      nodeArgs(START_COMMANDS.api),
      { ...env, AGENTRY_ROLES: 'api', PORT: String(apiPorts[i]) },
      dir,
      apiPorts[i],
    );
    apis[i] = p;
    await waitReady(p, '/health/ready', options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    return p;
  };
  const startWorker = async (i: number) => {
    const p = spawnNode(
      `worker-${i}`,
      nodeArgs(START_COMMANDS.api),
      { ...env, AGENTRY_ROLES: 'worker', PORT: String(workerPorts[i]) },
      dir,
      workerPorts[i],
    );
    workers[i] = p;
    await waitReady(p, '/health/ready', options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    return p;
  };

  const nginxConf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    nginxConf,
    fs
      .readFileSync(path.join(here, 'nginx/cluster-nginx.conf.template'), 'utf8')
      .replaceAll('{{DIR}}', dir)
      .replaceAll('{{PORT}}', String(proxyPort))
      .replaceAll('{{WEB_PORT}}', String(await freePort()))
      .replaceAll('{{PROXY_CONF}}', PROXY_CONF)
      .replaceAll(
        '{{UPSTREAMS}}',
        apiPorts.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n'),
      ),
  );
  const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', nginxConf], {
    stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'nginx.log'), 'a')],
  });
  helpers.push(nginx);

  const stopProcess = async (p: NodeProcess, signal: NodeJS.Signals = 'SIGTERM') => {
    stopping.add(p.child);
    if (p.exited()) return p.exited()!.code;
    const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
    p.child.kill(signal);
    return exited;
  };

  const cluster: Cluster = {
    dir,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    proxyPort,
    apis,
    workers,
    postgres,
    redis,
    stripe,
    env,
    startApi,
    stopProcess,
    unexpectedExits: () =>
      [...apis, ...workers]
        .filter((p) => p.exited() && !stopping.has(p.child))
        .map((p) => `${p.name} ${JSON.stringify(p.exited())}`)
        .concat(helpers.filter((h) => h.exitCode !== null || h.signalCode !== null).map((h) => `pid ${h.pid}`)),
    async close() {
      await Promise.all([...apis, ...workers].map((p) => stopProcess(p, 'SIGKILL')));
      for (const h of helpers) if (h.exitCode === null) h.kill('SIGTERM');
      await redis.stop();
      await postgres.destroy();
      if (!process.env.CLUSTER_KEEP_DIR) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  // A runner that dies (an uncaught error in a bench) must not leave the cluster running.
  const killAll = () => {
    for (const c of [...apis, ...workers].map((p) => p.child).concat(helpers))
      if (c.exitCode === null) c.kill('SIGKILL');
    void redis.stop();
    try {
      postgres.stop();
    } catch {
      // already stopped
    }
  };
  process.once('exit', killAll);
  const close = cluster.close;
  cluster.close = async () => {
    process.off('exit', killAll);
    await close();
  };
  try {
    await Promise.all([
      ...apiPorts.map((_, i) => startApi(i)),
      ...workerPorts.map((_, i) => startWorker(i)),
      waitForPort(proxyPort, 10_000),
    ]);
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

/** A unique e-mail for the cluster run. */
export const clusterEmail = (what: string) =>
  `${what}-${process.pid}-${crypto.randomBytes(4).toString('hex')}@cluster.test`;
