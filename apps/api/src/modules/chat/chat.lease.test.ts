import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../platform/db/client.js';
import { createTestApp, createTestPorts, services, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { ChatRepo } from './chat.repo.js';
import { RunManager } from './run-manager.js';
import { runStreamKey, streamIdOf } from './run-events.js';
import type { RunExecutionDeps, RunInput } from './run-execution.js';

/** A long question: the offline model answers word by word, so the run lasts words × delay. */
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

async function runRow(t: TestApp, runId: string) {
  const { rows } = await t.database.db.execute(sql`select status, error_code from chat_runs where id = ${runId}`);
  return rows[0] as { status: string; error_code: string | null };
}

describe('run lease: a run the reaper ended stops as run_lost', () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    // Never heartbeats (a replica stalled behind its database, from the reaper's point of view) while
    // its model keeps streaming: the reaper ends it mid-answer.
    app = await createTestApp({
      AGENTRY_ROLES: 'api,worker',
      OFFLINE_MODEL_DELAY_MS: '100',
      CHAT_RUN_HEARTBEAT_MS: '3600000',
      CHAT_RUN_STALE_MS: '300',
      CHAT_RUN_REAPER_INTERVAL_MS: '200',
    });
    user = await signUp(app.app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('POST /chat/stream: the stream ends with the one run.failed run_lost, nothing after it, and the row keeps run_lost', async () => {
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: words(60) },
    });
    expect(res.statusCode).toBe(200);
    const runId = String(res.headers['x-run-id']);
    const log = (await app.ports.streams.read(runStreamKey(runId), null, 10_000)).map(
      (e) => JSON.parse(e.data) as { event: string; data: { code?: string } },
    );
    const ends = log.filter((e) => e.event === 'run.failed' || e.event === 'run.completed');
    // The reaper's end is the log's last event: the run wrote nothing after it, and no second end.
    expect(ends).toHaveLength(1);
    expect(log.at(-1)).toMatchObject({ event: 'run.failed', data: { code: 'run_lost' } });
    expect(res.body.trim().endsWith('"retryable":true}')).toBe(true);
    expect(res.body).toContain('"code":"run_lost"');
    // The run's own failure path must not overwrite the reaper's outcome with internal_error.
    expect(await runRow(app, runId)).toEqual({ status: 'failed', error_code: 'run_lost' });
  });

  it('POST /chat answers 503 run_lost (retryable), not a 500 internal_error', async () => {
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: words(60) },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: 'unavailable',
      details: { run_failure_code: 'run_lost', retryable: true },
    });
  });
});

describe('run lease: a run reaped before its first event', () => {
  it('starts nothing and ends as run_lost instead of failing the request on the refused write', async () => {
    const ports = createTestPorts();
    const runId = crypto.randomUUID();
    try {
      // The reaper's end already holds id 1.
      await ports.streams.append(
        runStreamKey(runId),
        JSON.stringify({ event: 'run.failed', data: { run_id: runId, code: 'run_lost' } }),
        { id: streamIdOf(1) },
      );
      const logger = pino({ level: 'silent' });
      // The run starts beside run.started's append and stops, recording nothing, when it is refused.
      const runs = new RunManager({
        ...({} as RunExecutionDeps),
        logger,
        ports,
        runTimeoutMs: 60_000,
        retentionSeconds: 60,
        heartbeatMs: 60_000,
        approvalTtlSeconds: 60,
      });
      const { done } = await runs.start({
        runId,
        conversationId: crypto.randomUUID(),
        agent: { name: 'assistant' },
        caller: { tenantId: crypto.randomUUID() },
      } as unknown as RunInput);
      expect(await done).toEqual({ status: 'failed', failure: expect.objectContaining({ code: 'run_lost' }) });
      expect(runs.size).toBe(0);
      const log = await ports.streams.read(runStreamKey(runId), null);
      expect(log.map((e) => JSON.parse(e.data).event)).toEqual(['run.failed']);
    } finally {
      await ports.close();
    }
  });
});

describe('run start: a log that refuses run.started', () => {
  it("fails the start with the log's error, stops the model request started beside it, records nothing", async () => {
    const ports = createTestPorts();
    const real = ports.streams;
    const signals: AbortSignal[] = [];
    const recorded: string[] = [];
    try {
      const runs = new RunManager({
        ...({} as RunExecutionDeps),
        // The model request waits until the run is stopped (it started before the log answered).
        runner: {
          run: async (_agent: unknown, _input: unknown, options: { signal: AbortSignal }) => {
            signals.push(options.signal);
            await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
            throw options.signal.reason;
          },
        } as unknown as RunExecutionDeps['runner'],
        turns: {
          recordRunResult: async () => void recorded.push('result'),
          recordFailedRun: async () => void recorded.push('failed'),
        } as unknown as RunExecutionDeps['turns'],
        logger: pino({ level: 'silent' }),
        ports: { ...ports, streams: { ...real, appendMany: () => Promise.reject(new Error('log down')) } },
        runTimeoutMs: 60_000,
        retentionSeconds: 60,
        heartbeatMs: 60_000,
        approvalTtlSeconds: 60,
      });
      await expect(
        runs.start({
          runId: crypto.randomUUID(),
          conversationId: crypto.randomUUID(),
          agent: { name: 'assistant' },
          caller: { tenantId: crypto.randomUUID() },
          message: 'hello',
          session: {},
          firstRun: true,
        } as unknown as RunInput),
      ).rejects.toThrow('log down');
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(true);
      expect(recorded).toEqual([]);
      expect(runs.size).toBe(0);
    } finally {
      await ports.close();
    }
  });
});

// PGlite has one connection: there the heartbeat shares it by nature. The pool is PostgreSQL's.
describe.skipIf(!services.databaseUrl)('run heartbeat with the pool saturated (PostgreSQL)', () => {
  it('keeps the run alive while request traffic holds every pool connection', async () => {
    const app = await createTestApp({
      AGENTRY_ROLES: 'api',
      OFFLINE_MODEL_DELAY_MS: '100',
      CHAT_RUN_HEARTBEAT_MS: '200',
    });
    // The reaper's view, on a connection of its own (another process in production).
    const { url } = app.database as { url?: string };
    const reaperDb = await createDatabase({ url: url!, poolMax: 1, dataDir: null });
    const release: (() => void)[] = [];
    try {
      const user = await signUp(app.app);
      const answered = app.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: words(80) },
      });
      const repo = new ChatRepo();
      let runId: string | undefined;
      while (!runId) {
        const { rows } = await reaperDb.db.execute(sql`select id from chat_runs where status = 'running'`);
        runId = (rows[0] as { id: string } | undefined)?.id;
        if (!runId) await new Promise((r) => setTimeout(r, 20));
      }
      // Every connection of the app's pool (5 in the harness) held by a transaction waiting on us.
      const held: Promise<unknown>[] = [];
      const holding: Promise<void>[] = [];
      for (let i = 0; i < 5; i++) {
        let hold!: () => void;
        holding.push(new Promise<void>((r) => (hold = r)));
        held.push(
          app.database.db.transaction(async (tx) => {
            await tx.execute(sql`select 1`);
            hold();
            await new Promise<void>((r) => release.push(r));
          }),
        );
      }
      await Promise.all(holding);
      const saturatedAt = Date.now();
      await new Promise((r) => setTimeout(r, 3000));
      // Beats after the pool filled up reached the database: the run's heartbeat is newer than that.
      const stale = await repo.reapStale(reaperDb.db, new Date(saturatedAt + 1000), 100);
      expect(stale).toEqual([]);
      for (const r of release) r();
      await Promise.all(held);
      const res = await answered;
      expect(res.statusCode).toBe(200);
      expect(res.json().run_id).toBe(runId);
    } finally {
      for (const r of release) r();
      await reaperDb.close();
      await app.close();
    }
  });
});
