import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runParts } from '../../platform/db/statement.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import type { Caller } from '../../platform/caller.js';
import { eventually, moduleFor } from '../../../test/support/billing-rig.js';
import type { BillingModule } from './billing.module.js';

/** Embedded mode with billing off: usage is still metered and the default (starter) plan's limits apply. */
describe('usage metering and plan limits (billing off)', () => {
  let t: TestApp;
  let billing: BillingModule;
  beforeAll(async () => {
    t = await createTestApp();
    billing = moduleFor(t, { registerWorkers: false });
  });
  afterAll(() => t.close());

  const callerOf = (user: TestUser): Caller => ({
    subject: `user:${user.session.user_id}`,
    userId: user.session.user_id,
    serviceAccountId: null,
    tenantId: user.session.tenant_id,
    role: 'owner',
    scopes: user.session.scopes,
    sessionId: user.session.session_id,
    emailVerified: true,
  });
  const used = async (user: TestUser, key: string) =>
    (await billing.usage.getUsage(callerOf(user), user.session.tenant_id)).items.find((i) => i.feature_key === key)!
      .used;

  it("refuses another tenant's usage, read or reported, like the subscription calls do", async () => {
    const [alice, bob] = [await signUp(t.app), await signUp(t.app)];
    const input = { feature_key: 'messages', quantity: 5, idempotency_key: 'cross-tenant' };
    await expect(billing.usage.getUsage(callerOf(alice), bob.session.tenant_id)).rejects.toMatchObject({
      code: 'tenant_mismatch',
    });
    await expect(billing.usage.reportUsage(callerOf(alice), bob.session.tenant_id, input)).rejects.toMatchObject({
      code: 'tenant_mismatch',
    });
    await expect(billing.subscriptions.get(callerOf(alice), bob.session.tenant_id)).rejects.toMatchObject({
      code: 'tenant_mismatch',
    });
    expect(await used(bob, 'messages')).toBe(0);
    await billing.usage.reportUsage(callerOf(bob), bob.session.tenant_id, input);
    expect(await used(bob, 'messages')).toBe(5);
  });

  it('records a chat run once per run id', async () => {
    const user = await signUp(t.app);
    const run = {
      runId: crypto.randomUUID(),
      conversationId: crypto.randomUUID(),
      messages: 2,
      inputTokens: 120,
      outputTokens: 40,
    };
    await Promise.all([
      billing.usage.recordRunUsage(callerOf(user), run),
      billing.usage.recordRunUsage(callerOf(user), run),
    ]);
    await billing.usage.recordRunUsage(callerOf(user), run);
    expect(await used(user, 'messages')).toBe(2);
    expect(await used(user, 'input_tokens')).toBe(120);
    expect(await used(user, 'output_tokens')).toBe(40);
  });

  it("a run's usage commits with the run's statement: refused, it records nothing; retried, it counts once", async () => {
    const user = await signUp(t.app);
    const run = {
      runId: crypto.randomUUID(),
      conversationId: crypto.randomUUID(),
      messages: 2,
      inputTokens: 7,
      outputTokens: 3,
    };
    // Another part of the same statement fails at run time (a division by zero), after the usage CTEs ran.
    const refused = { ctes: sql`refused as (select 0 as zero)`, returns: sql`(select 1 / zero from refused)` };
    const first = await billing.usage.runUsageWrite(callerOf(user), run);
    await expect(runParts(t.database.db, [first.part, refused])).rejects.toThrow();
    expect(await used(user, 'messages')).toBe(0);
    for (let attempt = 0; attempt < 2; attempt++) {
      const write = await billing.usage.runUsageWrite(callerOf(user), run);
      const [value] = await runParts(t.database.db, [write.part]);
      await write.committed(value);
    }
    expect(await used(user, 'messages')).toBe(2);
    expect(await used(user, 'input_tokens')).toBe(7);
    expect(await used(user, 'output_tokens')).toBe(3);
  });

  it('meters real chat runs: POST /chat adds messages and tokens', async () => {
    const user = await signUp(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'hello there friend' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { usage } = res.json();
    await eventually(async () => (await used(user, 'output_tokens')) === usage.output_tokens);
    expect(await used(user, 'input_tokens')).toBe(usage.input_tokens);
    expect(await used(user, 'messages')).toBeGreaterThanOrEqual(1);
  });

  it('blocks POST /chat with 429 usage_limit_exceeded once a hard limit is reached', async () => {
    const user = await signUp(t.app);
    const before = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'hi' },
    });
    expect(before.statusCode).toBe(200);
    await billing.usage.reportUsage(callerOf(user), user.session.tenant_id, {
      feature_key: 'messages',
      quantity: 2000,
      idempotency_key: 'fill',
    });
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'one more' },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({
      code: 'usage_limit_exceeded',
      details: { feature: 'messages', hard_limit: 2000 },
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const stream = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: user.headers,
      payload: { message: 'one more' },
    });
    expect(stream.statusCode).toBe(429);
    // Checked in the turn's statement: a refused run wrote nothing, in a new conversation or an existing one.
    const conversationId = before.json().conversation_id as string;
    const next = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message: 'and another', conversation_id: conversationId },
    });
    expect(next.statusCode).toBe(429);
    expect(next.json()).toMatchObject({ code: 'usage_limit_exceeded', details: { feature: 'messages' } });
    const regenerate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { conversation_id: conversationId, regenerate: true },
    });
    expect(regenerate.statusCode).toBe(429);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: user.headers });
    expect(list.json().items).toHaveLength(1);
    expect(list.json().items[0].message_count).toBe(2);
    // Another tenant is not affected.
    const other = await signUp(t.app);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/chat', headers: other.headers, payload: { message: 'hi' } }))
        .statusCode,
    ).toBe(200);
  });

  it('publishes one soft-limit event when concurrent increments cross it', async () => {
    const user = await signUp(t.app);
    await billing.usage.reportUsage(callerOf(user), user.session.tenant_id, {
      feature_key: 'messages',
      quantity: 1590,
    });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        billing.usage.recordRunUsage(callerOf(user), {
          runId: `r-${i}`,
          conversationId: 'c',
          messages: 2,
          inputTokens: 0,
          outputTokens: 0,
        }),
      ),
    );
    expect(await used(user, 'messages')).toBe(1606);
    const events = await billing.stream.read(user.session.tenant_id);
    expect(events.filter((e) => e.type === 'usage.soft_limit_reached')).toEqual([
      expect.objectContaining({
        tenant_id: user.session.tenant_id,
        stripe_event_id: null,
        usage: { feature_key: 'messages', used: expect.any(Number), soft_limit: 1600, hard_limit: 2000 },
      }),
    ]);
  });
});
