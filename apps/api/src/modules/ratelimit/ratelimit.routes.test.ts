import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, signUp, strongPassword, type TestUser } from '../../../test/factories.js';
import { waitFor } from '../../../test/support/ratelimit-app.js';
import { rateLimitedRoutes } from './ratelimit.hooks.js';
import type { QuotaName } from './quotas.js';
import { buildApp } from '../../app.js';
import { metricValue } from '../../../test/support/metrics.js';

/**
 * The API.md quotas on the real routes (identity, chat, billing), with small limits and a 1 s window.
 */
const metric = (t: TestApp, sample: string) => metricValue(t.app, sample);

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: any; // the document is plain JSON
  beforeAll(async () => {
    t = await createTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());
  const description = (path: string, method: string) => String(doc.paths[path]?.[method]?.description ?? '');

  it('lists the quotas of each rate-limited route, and only of those', async () => {
    expect(description('/api/v1/auth/token', 'post')).toContain('`login_per_ip` (20 per 60 s, per client ip)');
    expect(description('/api/v1/auth/register', 'post')).toContain('login_per_ip');
    expect(description('/api/v1/auth/password/forgot', 'post')).toContain('login_per_ip');
    expect(description('/api/v1/chat', 'post')).toContain('`chat_per_minute` (60 per 60 s, per tenant user)');
    expect(description('/api/v1/chat/stream', 'post')).toMatch(
      /chat_stream_per_minute.*chat_stream_concurrency.*429 `rate_limited`/s,
    );
    expect(description('/api/v1/chat/runs/{run_id}/events', 'get')).toContain(
      '`chat_stream_concurrency` (5 open at once, per tenant user)',
    );
    expect(description('/api/v1/billing/stream', 'get')).toContain(
      '`billing_stream_concurrency` (3 open at once, per tenant user)',
    );
    expect(description('/api/v1/auth/refresh', 'post')).not.toContain('Rate limits');
  });

  it('documents every route that declares config.rateLimit (description, x-ratelimit, 429) and no other', () => {
    const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
    const declared = rateLimitedRoutes(t.app);
    expect(declared.length).toBeGreaterThanOrEqual(7); // three credential routes, three chat routes, the billing stream
    for (const route of declared) {
      const where = `${route.method} ${route.url}`;
      const op = doc.paths[openapiPath(route.url)]?.[route.method.toLowerCase()];
      expect(op, where).toBeDefined();
      expect(
        op['x-ratelimit'].map((q: { quota: string }) => q.quota),
        where,
      ).toEqual(route.quotas);
      // Each quota once: a GET's HEAD twin shares its schema and must not document it again.
      for (const quota of route.quotas) expect(op.description.split(`\`${quota}\``).length - 1, where).toBe(1);
      const problem = op.responses['429']?.content?.['application/problem+json']?.schema;
      expect(problem?.properties?.code?.enum, where).toContain('rate_limited');
    }
    const documented = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op['x-ratelimit'] !== undefined)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(declared.map((r) => `${r.method} ${openapiPath(r.url)}`).sort());
    // A stream route keeps its 200 beside the 429.
    expect(doc.paths['/api/v1/chat/stream'].post.responses['200'].content['text/event-stream']).toBeDefined();
  });

  it('an unknown quota, or a caller-keyed quota on a public route, fails at start-up', async () => {
    const app = await buildApp(t.config, { database: t.database, ports: t.ports });
    try {
      const declare = (auth: 'public' | 'access', quota: string) => () =>
        app.post('/api/v1/limited', { config: { auth, rateLimit: [quota as QuotaName] } }, async () => ({}));
      expect(declare('access', 'chat_per_hour')).toThrow(/unknown quota chat_per_hour/);
      expect(declare('access', 'constructor')).toThrow(/unknown quota constructor/);
      expect(declare('public', 'chat_per_minute')).toThrow(/keyed by the caller, so the route cannot be public/);
    } finally {
      await app.close();
    }
  });
});

describe('login_per_ip on the credential routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '3', RATE_LIMIT_WINDOW_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('POST /auth/mfa/challenge (the second factor) is on the same login_per_ip budget', async () => {
    const challenge = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/challenge',
        remoteAddress: '198.51.100.77',
        payload: { mfa_token: 'mfa_guess', code: '123456' },
      });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await challenge());
    expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 401, 429]);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"login_per_ip";q=3;w=1');
    expect(answers[3]!.json()).toMatchObject({ code: 'rate_limited', details: { quota: 'login_per_ip' } });
  });

  it('POST /auth/token, /auth/register and /auth/password/forgot share one budget per client IP', async () => {
    const ip = '198.51.100.20';
    const user = await signUp(t.app); // from another address: does not touch this IP's budget
    const hitsBefore = await metric(t, 'rate_limit_hits_total{quota="login_per_ip"}'); // other tests' 429s
    const calls = [
      () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          remoteAddress: ip,
          payload: { email: user.email, password: 'wrong-password-123' },
        }),
      () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password/forgot',
          remoteAddress: ip,
          payload: { email: user.email },
        }),
      () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          remoteAddress: ip,
          payload: { email: `x-${Date.now()}@example.test`, password: strongPassword() },
        }),
    ];
    const answers = [];
    for (const call of calls) answers.push(await call());
    expect(answers.map((r) => r.statusCode)).toEqual([401, 202, 201]);
    for (const r of answers) expect(r.headers['ratelimit-policy']).toBe('"login_per_ip";q=3;w=1');
    expect(String(answers[2].headers.ratelimit)).toMatch(/^"login_per_ip";r=0;t=\d+$/);

    // The fourth credential attempt from that IP — even with the right password — is refused.
    const blocked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: ip,
      payload: { email: user.email, password: user.password },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'rate_limited', details: { quota: 'login_per_ip' } });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await metric(t, 'rate_limit_hits_total{quota="login_per_ip"}')).toBe(hitsBefore + 1);

    // Another address is not affected; other auth routes are not limited.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: '203.0.113.21',
      payload: { email: user.email, password: user.password },
    });
    expect(other.statusCode).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', remoteAddress: ip, headers: user.headers });
    expect(me.statusCode).toBe(200);
    expect(me.headers['ratelimit-policy']).toBeUndefined();

    // After the window the same IP may log in again.
    await waitFor(
      async () =>
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/token',
            remoteAddress: ip,
            payload: { email: user.email, password: user.password },
          })
        ).statusCode === 200,
      4000,
    );
  });

  it('attack: an IPv6 client rotates addresses within its /64 — one budget per /64 (IPv4-mapped = its IPv4)', async () => {
    const forgot = (remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password/forgot',
        remoteAddress,
        payload: { email: 'nobody@example.test' },
      });
    // Four different addresses of one /64: the fourth is over the budget of 3.
    const rotating = [];
    for (let i = 1; i <= 4; i++) rotating.push(await forgot(`2001:db8:77:1::${i.toString(16)}`));
    expect(rotating.map((r) => r.statusCode)).toEqual([202, 202, 202, 429]);
    // The next /64 is another client.
    expect((await forgot('2001:db8:77:2::1')).statusCode).toBe(202);
    // An IPv4 client and its IPv4-mapped form share one budget.
    const mixed = [];
    for (const a of ['192.0.2.55', '::ffff:192.0.2.55', '192.0.2.55', '::ffff:c000:237']) mixed.push(await forgot(a));
    expect(mixed.map((r) => r.statusCode)).toEqual([202, 202, 202, 429]);
    expect((await forgot('192.0.2.56')).statusCode).toBe(202);
  });
});

describe('chat quotas on the real chat routes', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_CHAT_PER_MINUTE: '2',
      RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '3',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1',
      RATE_LIMIT_WINDOW_SECONDS: '3', // longer than a few runs: a window must not end mid-test
      OFFLINE_MODEL_DELAY_MS: '40', // runs last long enough to hold a stream open
    });
    alice = await signUp(t.app);
    bob = await signUp(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('chat_per_minute: POST /chat blocks at the limit per user, with headers, and recovers', async () => {
    const chat = (user: TestUser) =>
      t.app.inject({ method: 'POST', url: '/api/v1/chat', headers: user.headers, payload: { message: 'hello there' } });
    const first = await chat(alice);
    expect(first.statusCode).toBe(200);
    // A POST /chat run takes a chat_stream_concurrency slot too, given back before the answer.
    expect(first.headers['ratelimit-policy']).toBe('"chat_per_minute";q=2;w=3, "chat_stream_concurrency";q=1');
    expect(String(first.headers.ratelimit)).toMatch(/^"chat_per_minute";r=1;t=\d+, "chat_stream_concurrency";r=0$/);
    expect((await chat(alice)).statusCode).toBe(200);
    const blocked = await chat(alice);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe('rate_limited');
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await chat(bob)).statusCode).toBe(200);
    await waitFor(async () => (await chat(alice)).statusCode === 200, 6000);
  });

  const longStory = 'tell me a long story about the sea and the wind and the stars';
  const post = (user: TestUser, message = longStory, signal?: AbortSignal) =>
    fetch(`http://127.0.0.1:${port}/api/v1/chat/stream`, {
      method: 'POST',
      signal,
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });

  it('chat_stream_concurrency: one running run per user; resuming it is served; the slot returns when the run ends', async () => {
    const base = `http://127.0.0.1:${port}`;
    const first = await post(alice);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe(
      '"chat_stream_per_minute";q=3;w=3, "chat_stream_concurrency";q=1',
    );
    const runId = first.headers.get('x-run-id')!;

    // While it runs, a second run of the same user is refused…
    const second = await post(alice);
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ code: 'rate_limited', details: { quota: 'chat_stream_concurrency' } });
    // …but following the running run again is served (resume streams are counted apart from runs).
    const resume = await openStreamRaw(base, `/api/v1/chat/runs/${runId}/events`, alice.headers);
    expect(resume.status).toBe(200);
    resume.abort();
    // Another user is not affected.
    const bobs = await post(bob);
    expect(bobs.status).toBe(200);
    await bobs.text();

    // The run ends: the slot comes back.
    expect(await first.text()).toContain('event: run.completed');
    await waitFor(async () => {
      const again = await post(alice, 'hi');
      await again.text();
      return again.status === 200;
    }, 4000);
  });
});

describe('chat_stream_concurrency counts running runs, not open streams', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY: '1',
      RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT: '2',
      RATE_LIMIT_CHAT_STREAM_PER_MINUTE: '100',
      OFFLINE_MODEL_DELAY_MS: '40', // runs last a few seconds
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());
  const start = (
    user: TestUser,
    message = 'tell me a long story about the sea and the wind and the stars',
    signal?: AbortSignal,
  ) =>
    fetch(`${base}/api/v1/chat/stream`, {
      method: 'POST',
      signal,
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
  const eventually = (user: TestUser) =>
    waitFor(async () => {
      const res = await start(user, 'hi');
      await res.text();
      return res.status === 200;
    }, 6000);

  it('a client that hangs up and reconnects cannot run more than the cap', async () => {
    const bob = await signUp(t.app);
    const controller = new AbortController();
    const res = await start(bob, undefined, controller.signal);
    expect(res.status).toBe(200);
    const runId = res.headers.get('x-run-id')!;
    controller.abort(); // the run goes on without a listener…

    // …and still holds bob's slot: starting runs again is refused, however often he tries.
    for (let i = 0; i < 5; i++) {
      const again = await start(bob, 'hi');
      expect(again.status).toBe(429);
      expect(await again.json()).toMatchObject({ details: { quota: 'chat_stream_concurrency' } });
    }
    // POST /chat starts runs too: refused as well.
    const sync = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: bob.headers,
      payload: { message: 'hi' },
    });
    expect(sync.statusCode).toBe(429);
    // He reconnects to the run he left and follows it to its end; then he may start another.
    const follow = await fetch(`${base}/api/v1/chat/runs/${runId}/events`, { headers: bob.headers });
    expect(follow.status).toBe(200);
    expect(await follow.text()).toContain('event: run.completed');
    await eventually(bob);
  });

  it('caps the running runs of a whole tenant (RATE_LIMIT_CHAT_STREAM_CONCURRENCY_PER_TENANT)', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    const third = await addMember(t.app, owner, 'member');
    const outsider = await signUp(t.app);
    const controller = new AbortController();
    const a = await start(owner, undefined, controller.signal);
    const b = await start(member, undefined, controller.signal);
    expect([a.status, b.status]).toEqual([200, 200]);
    controller.abort(); // hanging up frees nothing
    const refused = await start(third);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      code: 'rate_limited',
      detail: expect.stringContaining('2 running runs in this tenant'),
      details: { quota: 'chat_stream_concurrency' },
    });
    // Both counts are taken together or not at all: the refusal left no slot in the caller's count.
    const runsOf = (u: TestUser) =>
      t.ports.leases.count(`rl:chat_stream_concurrency:runs:${u.session.tenant_id}:user:${u.session.user_id}`);
    expect(await runsOf(third)).toBe(0);
    expect(await runsOf(owner)).toBe(1);
    expect(await t.ports.leases.count(`rl:chat_stream_concurrency:tenant-runs:${owner.session.tenant_id}`)).toBe(2);
    // Another tenant has a count of its own.
    const other = await start(outsider, 'hi');
    expect(other.status).toBe(200);
    await other.text();
    // Once the tenant's runs end, its third user may start one.
    await eventually(third);
  });
});

describe('billing_stream_concurrency on GET /billing/stream', () => {
  it("is keyed by tenant user (a viewer cannot hold the tenant's slots) and answers 429 past the limit", async () => {
    const t = await createTestApp({
      RATE_LIMIT_BILLING_STREAM_CONCURRENCY: '1',
      ENABLE_BILLING: 'true',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_API_BASE_URL: 'http://127.0.0.1:9',
    });
    try {
      const owner = await signUp(t.app);
      const other = await signUp(t.app);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const first = await openBilling(base, owner.headers);
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit-policy']).toBe('"billing_stream_concurrency";q=1');
      const second = await openBilling(base, owner.headers);
      expect(second.status).toBe(429);
      expect(JSON.parse(second.body)).toMatchObject({
        code: 'rate_limited',
        details: { quota: 'billing_stream_concurrency' },
      });
      const otherTenant = await openBilling(base, other.headers);
      expect(otherTenant.status).toBe(200);
      const viewer = await addMember(t.app, owner, 'viewer');
      const sameTenantOtherUser = await openBilling(base, viewer.headers);
      expect(sameTenantOtherUser.status).toBe(200);
      first.abort();
      otherTenant.abort();
      sameTenantOtherUser.abort();
      await waitFor(async () => {
        const again = await openBilling(base, owner.headers);
        again.abort();
        return again.status === 200;
      }, 4000);
    } finally {
      await t.close();
    }
  });
});

/** Opens the billing stream and resolves once headers (and a first byte for 200) arrived. */
function openBilling(base: string, headers: Record<string, string>) {
  return openStreamRaw(base, '/api/v1/billing/stream', headers);
}

async function openStreamRaw(base: string, path: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, { headers, signal: controller.signal });
  const body = res.status === 200 ? '' : await res.text();
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    abort: () => controller.abort(),
  };
}
