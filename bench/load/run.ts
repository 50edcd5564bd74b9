/**
 * Load test of the real product (issue 19): LOAD_USERS virtual users drive sign-up, login, streamed
 * chats, history reads and billing reads in a realistic mix through the real API (its own process,
 * as `npm run start:api` runs it, offline model) for LOAD_SECONDS, then print each step's
 * throughput, latency p50/p95/p99 and errors, and write bench/results/load.json.
 *
 *   npx tsx bench/load/run.ts                                       (embedded: PGlite + in-process ports)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/load/run.ts
 *
 * A virtual user signs up, then runs sessions of LOAD_SESSION_ACTIONS actions picked by LOAD_MIX
 * weights; between sessions it logs in again, or (LOAD_NEW_USER_SHARE of the time) leaves and a new
 * user signs up in its place. Closed loop: each user sends its next request when the previous one
 * ends, after LOAD_THINK_MS. See bench/load/README.md for the knobs.
 */
import { prepareBacking, startApi } from '../chat-stream/processes.js';
import { atMost, loadAvg, writeResult } from '../results.js';
import { chatStream, closeAgent, json } from './client.js';
import { Step, type StepFigures } from './stats.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 120);
const USERS = Number(process.env.LOAD_USERS ?? 16);
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS ?? 5);
const SESSION_ACTIONS = Number(process.env.LOAD_SESSION_ACTIONS ?? 20);
const NEW_USER_SHARE = Number(process.env.LOAD_NEW_USER_SHARE ?? 0.3);
const THINK_MS = Number(process.env.LOAD_THINK_MS ?? 0);
const MODEL_DELAY_MS = process.env.LOAD_MODEL_DELAY_MS ?? '15'; // the product's default, OFFLINE_MODEL_DELAY_MS
const BCRYPT_COST = process.env.LOAD_BCRYPT_COST ?? '12'; // the product's default, AUTH_BCRYPT_COST

/** What a signed-in user does, with weights (LOAD_MIX=chat_stream=35,conversations_list=20,…). */
const ACTIONS = ['chat_stream', 'conversations_list', 'conversation_read', 'billing_usage', 'billing_plans'] as const;
type Action = (typeof ACTIONS)[number];
const DEFAULT_MIX: Record<Action, number> = {
  chat_stream: 35,
  conversations_list: 20,
  conversation_read: 20,
  billing_usage: 15,
  billing_plans: 10,
};
const mix: Record<Action, number> = { ...DEFAULT_MIX };
for (const pair of (process.env.LOAD_MIX ?? '').split(',').filter(Boolean)) {
  const [name, weight] = pair.split('=');
  if (!ACTIONS.includes(name as Action) || !Number.isFinite(Number(weight)))
    throw new Error(`LOAD_MIX: unknown action or weight in "${pair}" (actions: ${ACTIONS.join(', ')})`);
  mix[name as Action] = Number(weight);
}
const totalWeight = ACTIONS.reduce((sum, a) => sum + mix[a], 0);

/** Messages of a chat: plain answers, handoffs (code, data) and tool calls (time, calculator). */
const PROMPTS = [
  'Hello! Can you help me plan my week around three deadlines?',
  'Write a short note thanking the team for the release.',
  'Why does my TypeScript function throw an exception on an empty array?',
  'What is the median of this dataset: 3, 9, 4, 7, 12?',
  'What time is it now?',
  'calculate (17 + 25) * 3',
];

/** A small seeded generator, so a run's sequence of actions is the same from run to run. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STEP_NAMES = ['sign_up', 'login', ...ACTIONS, 'chat_first_token'] as const;
type StepName = (typeof STEP_NAMES)[number];
const steps = Object.fromEntries(STEP_NAMES.map((n) => [n, new Step(n)])) as Record<StepName, Step>;

interface Session {
  headers: Record<string, string>;
  tenantId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || process.env.TEST_REDIS_URL || undefined;
  const backing = await prepareBacking(databaseUrl, redisUrl);
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    api = await startApi({
      ...backing.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      AUTH_BCRYPT_COST: BCRYPT_COST,
      MODEL_PROVIDER: 'offline',
      OFFLINE_MODEL_DELAY_MS: MODEL_DELAY_MS,
      // Every virtual user comes from 127.0.0.1: the per-IP and per-user quotas are off for the run.
      RATE_LIMIT_CHAT_PER_MINUTE: '0',
      RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '0',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '0',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT: '0',
      RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '0',
    });
    const base = new URL(api.url);
    const measureFrom = Date.now() + WARMUP_SECONDS * 1000;
    const end = measureFrom + SECONDS * 1000;
    let cpuAtStart: number | undefined;
    const warmup = setTimeout(() => {
      cpuAtStart = api?.cpuMs();
    }, WARMUP_SECONDS * 1000);

    /**
     * Tallies an answer into its step when it both started and ended inside the measured window: the
     * first sign-ups all start at once in the warm-up and, with bcrypt at cost 12 on a busy host, can
     * end well after it; counting them would charge the warm-up's burst to the steady mix.
     */
    const record = (step: StepName, ms: number, error?: [string, string]): boolean => {
      const now = Date.now();
      if (now > end || now - ms < measureFrom) return false;
      if (error) steps[step].error(...error);
      else steps[step].ok(ms);
      return true;
    };

    async function virtualUser(index: number) {
      const rand = random(index + 1);
      const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
      let signUps = 0;
      let identity: { email: string; password: string } | undefined;
      let session: Session | undefined;
      let conversations: string[] = [];

      const takeSession = (body: string) => {
        const s = JSON.parse(body) as { access_token: string; tenant_id: string };
        session = { headers: { authorization: `Bearer ${s.access_token}` }, tenantId: s.tenant_id };
      };
      async function signUp() {
        identity = {
          email: `load-${process.pid}-${index}-${signUps++}@example.test`,
          password: `Load-${process.pid}-pass!x`,
        };
        conversations = [];
        const r = await json(base, 'POST', '/api/v1/auth/register', {}, identity);
        if (r.status === 201) {
          takeSession(r.body);
          record('sign_up', r.ms);
        } else {
          session = undefined;
          record('sign_up', r.ms, [`status ${r.status}`, r.body]);
        }
      }
      async function login() {
        const r = await json(base, 'POST', '/api/v1/auth/token', {}, identity);
        if (r.status === 200) {
          takeSession(r.body);
          record('login', r.ms);
        } else record('login', r.ms, [`status ${r.status}`, r.body]);
      }
      async function read(step: StepName, path: string, headers: Record<string, string>) {
        const r = await json(base, 'GET', path, headers);
        if (r.status === 200) record(step, r.ms);
        else record(step, r.ms, [`status ${r.status}`, r.body]);
        return r;
      }
      async function act(action: Action, { headers, tenantId }: Session): Promise<void> {
        switch (action) {
          case 'chat_stream': {
            // Half the chats go on in a conversation of the user's, half start a new one.
            const conversationId = conversations.length && rand() < 0.5 ? pick(conversations) : undefined;
            const r = await chatStream(base, headers, {
              message: pick(PROMPTS),
              ...(conversationId ? { conversation_id: conversationId } : {}),
            });
            if (r.status !== 200) record('chat_stream', r.ms, [`status ${r.status}`, r.body ?? '']);
            else if (r.terminal !== 'run.completed')
              record('chat_stream', r.ms, [
                `ended with ${r.terminal ?? 'no event'}`,
                `conversation ${r.conversationId}`,
              ]);
            else {
              // The first token of exactly the streams counted above (its own time says nothing of the window).
              if (record('chat_stream', r.ms) && r.firstTokenMs !== undefined)
                steps.chat_first_token.ok(r.firstTokenMs);
              if (r.conversationId && !conversations.includes(r.conversationId)) conversations.push(r.conversationId);
            }
            return;
          }
          case 'conversations_list': {
            const r = await read('conversations_list', '/api/v1/conversations?limit=20', headers);
            if (r.status === 200) {
              const items = (JSON.parse(r.body) as { items: { id: string }[] }).items;
              for (const item of items) if (!conversations.includes(item.id)) conversations.push(item.id);
            }
            return;
          }
          case 'conversation_read':
            // A user with no conversation yet opens the list instead, as the UI shows it first.
            if (!conversations.length) return act('conversations_list', { headers, tenantId });
            await read('conversation_read', `/api/v1/conversations/${pick(conversations)}`, headers);
            return;
          case 'billing_usage':
            await read('billing_usage', `/api/v1/billing/tenants/${tenantId}/usage`, headers);
            return;
          case 'billing_plans':
            await read('billing_plans', '/api/v1/billing/plans', headers);
            return;
        }
      }
      const chooseAction = (): Action => {
        let r = rand() * totalWeight;
        for (const a of ACTIONS) {
          r -= mix[a];
          if (r < 0) return a;
        }
        return ACTIONS[0];
      };

      const guard = async (fn: () => Promise<void>, step: StepName) => {
        try {
          await fn();
        } catch (err) {
          record(step, 0, ['network', (err as Error).message]);
          await sleep(100);
        }
      };
      // Spread the arrivals over the first second so the first sign-ups do not all land at once.
      await sleep(Math.floor(rand() * 1000));
      await guard(signUp, 'sign_up');
      while (Date.now() < end) {
        if (!session) {
          await sleep(200); // the sign-up failed (recorded): try again, without a hot loop
          await guard(signUp, 'sign_up');
          continue;
        }
        for (let i = 0; i < SESSION_ACTIONS && Date.now() < end; i++) {
          const action = chooseAction();
          const current = session;
          await guard(() => act(action, current), action);
          if (THINK_MS) await sleep(THINK_MS);
        }
        if (Date.now() >= end) break;
        if (rand() < NEW_USER_SHARE) await guard(signUp, 'sign_up');
        else await guard(login, 'login');
      }
    }

    console.log(
      `load test: ${backing.label}, ${USERS} users, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up, think ${THINK_MS} ms, model delay ${MODEL_DELAY_MS} ms/word, bcrypt cost ${BCRYPT_COST}, load avg ${loadAvg().join(' ')}`,
    );
    await Promise.all(Array.from({ length: USERS }, (_, i) => virtualUser(i)));
    clearTimeout(warmup);
    const cpuAtEnd = api.cpuMs();

    const figures = Object.fromEntries(STEP_NAMES.map((n) => [n, steps[n].figures(SECONDS)])) as Record<
      StepName,
      StepFigures
    >;
    print(figures);
    const requests = STEP_NAMES.filter((n) => n !== 'chat_first_token').reduce((s, n) => s + figures[n].ok, 0);
    const errors = STEP_NAMES.reduce((s, n) => s + figures[n].errors, 0);
    const apiCpuMs = cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined;
    const summary = {
      requestsPerSecond: Math.round((requests / SECONDS) * 10) / 10,
      errors,
      apiCpuMsPerRequest: apiCpuMs === undefined ? null : Math.round((apiCpuMs / requests) * 100) / 100,
      apiCpuShareOfOneCore: apiCpuMs === undefined ? null : Math.round((apiCpuMs / (SECONDS * 1000)) * 100) / 100,
    };
    console.log(
      `total ${summary.requestsPerSecond} req/s, ${errors} errors; API CPU ${summary.apiCpuMsPerRequest ?? '?'} ms/request (${summary.apiCpuShareOfOneCore ?? '?'} of one core); load avg ${loadAvg().join(' ')}`,
    );
    writeResult('load', {
      label: backing.label,
      // No ratio to a floor here: the figure that must hold is that nothing fails under the mix.
      ratios: [atMost('load test errors', 'failed / all requests', errors / Math.max(1, requests + errors), 0)],
      figures: {
        settings: {
          users: USERS,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          sessionActions: SESSION_ACTIONS,
          newUserShare: NEW_USER_SHARE,
          thinkMs: THINK_MS,
          modelDelayMs: Number(MODEL_DELAY_MS),
          bcryptCost: Number(BCRYPT_COST),
          mix,
        },
        summary,
        steps: figures,
      },
    });
    if (errors) process.exitCode = 1;
  } finally {
    closeAgent();
    await api?.stop();
    await backing.cleanup();
  }
}

function print(figures: Record<StepName, StepFigures>) {
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-').padStart(8);
  console.log(
    `${'step'.padEnd(20)} ${'ok'.padStart(7)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} errors`,
  );
  for (const name of STEP_NAMES) {
    const f = figures[name];
    const errors = f.errors
      ? `${f.errors} (${Object.entries(f.errorsBy)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')})`
      : '0';
    console.log(
      `${name.padEnd(20)} ${String(f.ok).padStart(7)} ${fmt(f.perSecond)} ${fmt(f.p50)} ${fmt(f.p95)} ${fmt(f.p99)} ${fmt(f.max)} ${errors}`,
    );
    for (const sample of f.errorSamples) console.log(`    e.g. ${sample}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
