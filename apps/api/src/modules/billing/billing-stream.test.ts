import { eq } from 'drizzle-orm';
import { createTestApp, listenOnFreePort } from '../../../test/harness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, signUp, type TestUser } from '../../../test/factories.js';
import { billingEnv, startBillingRig } from '../../../test/support/billing-rig.js';
import { users } from '../auth/accounts/accounts.tables.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;
interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Opens the billing stream over real HTTP and collects its frames. */
async function openStream(base: string, user: TestUser, lastEventId?: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/billing/stream`, {
    headers: { ...user.headers, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: controller.signal,
  });
  const frames: Frame[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  let ended = false;
  const pump = (async () => {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame: Frame = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(': ')) frame.comment = line.slice(2);
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
          }
          frames.push(frame);
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
    }
  })();
  const events = () =>
    frames.filter((f) => f.event === 'billing.event').map((f) => ({ id: f.id!, ...JSON.parse(f.data!) }));
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    frames,
    events,
    async waitFor(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events().length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${events().length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events();
    },
    /** Whether the server ended the response within `timeoutMs`. */
    async endsWithin(timeoutMs: number) {
      await Promise.race([pump, new Promise((r) => setTimeout(r, timeoutMs))]);
      return ended;
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe('GET /api/v1/billing/stream', () => {
  let rig: Rig;
  let base: string;
  beforeAll(async () => {
    rig = await startBillingRig({ SSE_HEARTBEAT_MS: '100' });
    base = await listenOnFreePort(rig.app);
  });
  afterAll(async () => rig?.close());

  const crossSoftLimit = (user: TestUser, key: string) =>
    rig.app.inject({
      method: 'POST',
      url: `/api/v1/billing/tenants/${user.session.tenant_id}/usage`,
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: { feature_key: 'messages', quantity: 1600, idempotency_key: key },
    });

  it("delivers its own tenant's events only, pings when quiet, and replays after a reconnect", async () => {
    const alice = await signUp(rig.app);
    const bob = await signUp(rig.app);
    const stream = await openStream(base, alice);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    await new Promise((r) => setTimeout(r, 50)); // the follower is subscribed

    expect((await crossSoftLimit(bob, 'b1')).statusCode).toBe(202);
    expect((await crossSoftLimit(alice, 'a1')).statusCode).toBe(202);
    const [first] = await stream.waitFor(1);
    expect(first).toMatchObject({
      tenant_id: alice.session.tenant_id,
      type: 'usage.soft_limit_reached',
      usage: { feature_key: 'messages', used: 1600 },
    });
    expect(first.id).toMatch(/^\d+-\d+$/);
    await new Promise((r) => setTimeout(r, 250));
    expect(stream.events()).toHaveLength(1); // bob's event never reaches alice
    expect(stream.frames.some((f) => f.comment === 'ping')).toBe(true);
    await stream.close();

    // While alice is away, her usage crosses the hard limit; the reconnect replays it.
    const away = await rig.app.inject({
      method: 'POST',
      url: `/api/v1/billing/tenants/${alice.session.tenant_id}/usage`,
      headers: { ...alice.headers, 'content-type': 'application/json' },
      payload: { feature_key: 'messages', quantity: 400, idempotency_key: 'a2' },
    });
    expect(away.statusCode).toBe(202);
    const again = await openStream(base, alice, first.id);
    const replayed = await again.waitFor(1);
    expect(replayed[0]).toMatchObject({ type: 'usage.hard_limit_reached', tenant_id: alice.session.tenant_id });
    expect(replayed[0].id > first.id || replayed[0].id.length > first.id.length).toBe(true);
    await again.close();
  });

  it("a suspension through another replica ends the tenant's open streams (and only theirs)", async () => {
    // A second replica on the same database and ports, serving no stream of this tenant.
    const other = await createTestApp(billingEnv(rig.fake, { DATA_DIR: rig.test.config.dataDir }), {
      database: rig.test.database,
      ports: rig.test.ports,
    });
    try {
      const op = await signUp(rig.app, { tenant_name: 'Operations' });
      await rig.test.database.db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
      const operator = await logIn(rig.app, op);
      const victim = await signUp(rig.app);
      const bystander = await signUp(rig.app);
      const stream = await openStream(base, victim);
      const theirs = await openStream(base, bystander);
      expect([stream.status, theirs.status]).toEqual([200, 200]);
      await new Promise((r) => setTimeout(r, 50));

      const suspend = await other.app.inject({
        method: 'POST',
        url: `/api/v1/platform/tenants/${victim.session.tenant_id}/suspend`,
        headers: { ...operator.headers, 'content-type': 'application/json' },
        payload: { reason: 'abuse report 42' },
      });
      expect(suspend.statusCode, suspend.body).toBe(200);
      expect(await stream.endsWithin(3000)).toBe(true);
      expect(await theirs.endsWithin(300)).toBe(false);
      await theirs.close();

      const again = await fetch(`${base}/api/v1/billing/stream`, { headers: victim.headers });
      expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([403, 'tenant_suspended']);
    } finally {
      await other.close();
    }
  });

  it('requires billing:read', async () => {
    const res = await fetch(`${base}/api/v1/billing/stream`);
    expect(res.status).toBe(401);
  });
});
