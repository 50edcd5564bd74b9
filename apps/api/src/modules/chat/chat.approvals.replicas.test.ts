import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../platform/db/client.js';
import type { Ports } from '../../platform/ports/index.js';
import { RESUME_RUN_JOB } from './run-pauses.js';
import { createTestApp, createTestDatabase, createTestPorts, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { decide, follow, pauseRun, waitFor } from '../../../test/support/approvals.js';

describe('approvals across replicas: the pause is in PostgreSQL, the resume runs on a worker', () => {
  let api: TestApp;
  let worker: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    // The API replica has no worker role: it cannot resume; only the other replica can.
    api = await createTestApp({ AGENTRY_ROLES: 'api' });
    worker = await createTestApp(
      { AGENTRY_ROLES: 'api,worker', DATA_DIR: api.config.dataDir },
      { database: api.database, ports: api.ports },
    );
    user = await signUp(api.app);
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  it('pauses on one replica and resumes on the other, continuing the same event log', async () => {
    const { runId, approvalId, last } = await pauseRun(api, user);
    const res = await decide(api, user, runId, approvalId, { decision: 'approve' });
    expect(res.statusCode, res.body).toBe(202);
    // Followed on the replica that paused it: the events come from the shared log.
    const rest = await follow(api, user, runId, last);
    expect(rest.map((e) => Number(e.id))).toEqual(rest.map((_, i) => last + 1 + i));
    expect(rest[0]!.event).toBe('run.resumed');
    expect(rest.find((e) => e.event === 'tool.output')?.data.output).toBe('Notification recorded: deploy finished');
    expect(rest[rest.length - 1]!.event).toBe('run.completed');
  });

  it('two concurrent decisions on two replicas: one wins, the other is 409, and the run resumes once', async () => {
    const { runId, approvalId, last } = await pauseRun(api, user);
    const results = await Promise.all([
      decide(api, user, runId, approvalId, { decision: 'approve' }),
      decide(worker, user, runId, approvalId, { decision: 'reject' }),
      decide(api, user, runId, approvalId, { decision: 'approve' }),
    ]);
    // Extra resume jobs (as many replicas would enqueue) change nothing: the pause is claimed once.
    await Promise.all(
      ['a', 'b'].map((k) => api.ports.jobs.enqueue(RESUME_RUN_JOB, { runId }, { jobId: `extra_${k}_${runId}` })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([202, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'already_decided')).toBe(true);
    const rest = await follow(worker, user, runId, last);
    expect(rest.filter((e) => e.event === 'run.resumed')).toHaveLength(1);
    expect(rest[rest.length - 1]!.event).toBe('run.completed');
    // Nothing more comes later: a replay after the end is the same log.
    await new Promise((r) => setTimeout(r, 300));
    const replay = await follow(api, user, runId, last);
    expect(replay.map((e) => e.id)).toEqual(rest.map((e) => e.id));
  });

  it("another user's approval is 404 on every replica", async () => {
    const other = await signUp(worker.app);
    const { runId, approvalId } = await pauseRun(api, user);
    for (const t of [api, worker]) {
      const res = await decide(t, other, runId, approvalId, { decision: 'approve' });
      expect(res.statusCode).toBe(404);
    }
    const list = await worker.app.inject({ method: 'GET', url: '/api/v1/chat/approvals', headers: other.headers });
    expect(list.json().items).toEqual([]);
  });
});

describe('approvals survive a full restart', () => {
  let database: Database;
  let ports: Ports;
  // Both processes use the same signing keys, as a restarted server does.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-restart-'));
  beforeAll(async () => {
    database = await createTestDatabase();
    ports = createTestPorts();
  });
  afterAll(async () => {
    await ports.close();
    await database.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a run paused before the restart resumes after it', async () => {
    const first = await createTestApp({ DATA_DIR: dataDir }, { database, ports });
    const user = await signUp(first.app);
    const { runId, approvalId, last } = await pauseRun(first, user);
    await first.close();

    const second = await createTestApp({ DATA_DIR: dataDir }, { database, ports });
    try {
      const pending = await second.app.inject({
        method: 'GET',
        url: '/api/v1/chat/approvals?status=pending',
        headers: user.headers,
      });
      expect(pending.json().items.map((a: { approval_id: string }) => a.approval_id)).toEqual([approvalId]);
      expect((await decide(second, user, runId, approvalId, { decision: 'approve' })).statusCode).toBe(202);
      const rest = await follow(second, user, runId, last);
      expect(rest[0]!.event).toBe('run.resumed');
      expect(rest[rest.length - 1]!).toMatchObject({
        event: 'run.completed',
        data: { response: expect.stringContaining('Notification recorded: deploy finished') },
      });
    } finally {
      await second.close();
    }
  });
});

describe('approvals expire: the reaper ends runs waiting longer than APPROVAL_TTL_SECONDS', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ APPROVAL_TTL_SECONDS: '1', CHAT_RUN_REAPER_INTERVAL_MS: '200' });
    user = await signUp(t.app);
  });
  afterAll(() => t.close());

  it('ends the run with run.failed approval_expired, approvals expired, a late decision 409', async () => {
    const { runId, approvalId, last } = await pauseRun(t, user);
    const rest = await follow(t, user, runId, last);
    expect(rest.map((e) => [Number(e.id), e.event, e.data.code])).toEqual([
      [last + 1, 'run.failed', 'approval_expired'],
    ]);
    const list = await waitFor(async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/chat/approvals', headers: user.headers });
      const item = res.json().items.find((a: { approval_id: string }) => a.approval_id === approvalId);
      return item?.status === 'expired' ? item : undefined;
    });
    expect(list.decided_at).toEqual(expect.any(String));
    const late = await decide(t, user, runId, approvalId, { decision: 'approve' });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('approval_expired');
  });
});
