import type { GuardrailRules, GuardrailTestResponse } from '@agentry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, createTestPorts, services, type TestApp } from '../../../test/harness.js';
import { createPorts, type Ports } from '../../platform/ports/index.js';

/** API.md "Guardrails": the catalog, a tenant's rules (validation, roles, tenancy, replicas) and the test box. */
describe('guardrails over HTTP', () => {
  let a: TestApp;
  let b: TestApp; // a second replica: same database and key set; its own Redis connections when there is Redis
  let bPorts: Ports | undefined;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;

  const call = (app: TestApp, user: TestUser, method: string, url: string, payload?: unknown) =>
    app.app.inject({
      method: method as 'GET',
      url,
      headers: user.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const rulesOf = async (app: TestApp, user: TestUser) => {
    const res = await call(app, user, 'GET', '/api/v1/tenants/current/guardrails');
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as GuardrailRules).rules;
  };
  const test = async (app: TestApp, user: TestUser, text: string, stage = 'input') => {
    const res = await call(app, user, 'POST', '/api/v1/guardrails/test', { text, stage });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as GuardrailTestResponse;
  };

  beforeAll(async () => {
    const ports = createTestPorts();
    a = await createTestApp({}, { ports });
    bPorts = services.redisUrl ? createPorts({ url: services.redisUrl, keyPrefix: ports.prefix }) : undefined;
    b = await createTestApp({ DATA_DIR: a.config.dataDir }, { database: a.database, ports: bPorts ?? ports });
    owner = await signUp(a.app);
    member = await addMember(a.app, owner, 'member');
    stranger = await signUp(a.app);
  });
  afterAll(async () => {
    await b?.close();
    await bPorts?.close();
    await a?.close();
    await a?.ports.close();
  });

  it('lists the catalog; moderation is unavailable without a model key', async () => {
    const res = await call(a, member, 'GET', '/api/v1/guardrails');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { key: string; available: boolean; actions: string[] }[];
    expect(items.map((i) => i.key)).toEqual(['pii', 'secrets', 'prompt_injection', 'blocked_terms', 'moderation']);
    expect(items.find((i) => i.key === 'moderation')).toMatchObject({ available: false, actions: ['block', 'warn'] });
  });

  it('gives a new tenant the defaults: secrets masked everywhere, injection in tool outputs reported', async () => {
    expect(await rulesOf(a, member)).toEqual([
      { key: 'secrets', stages: ['input', 'output', 'tool_input', 'tool_output'], action: 'mask', config: {} },
      { key: 'prompt_injection', stages: ['tool_output'], action: 'warn', config: {} },
    ]);
    const key = `sk_live_${'a1B2c3D4'.repeat(3)}`;
    expect(await test(a, member, `my key is ${key}`)).toMatchObject({
      text: 'my key is [STRIPE_KEY]',
      blocked: false,
      applied: [{ guardrail: 'secrets', action: 'mask' }],
    });
  });

  it('lets only tenant managers change the rules, and records who did', async () => {
    const body = { rules: [{ key: 'pii', stages: ['input'], action: 'block' }] };
    expect((await call(a, member, 'PUT', '/api/v1/tenants/current/guardrails', body)).statusCode).toBe(403);
    const res = await call(a, owner, 'PUT', '/api/v1/tenants/current/guardrails', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ rules: [{ key: 'pii', stages: ['input'], action: 'block', config: {} }] });
    const audit = await call(a, owner, 'GET', '/api/v1/audit-events?action=guardrails.updated');
    expect(audit.json().items[0]).toMatchObject({
      action: 'guardrails.updated',
      actor: { id: owner.session.user_id },
      metadata: { rules: [{ key: 'pii', stages: ['input'], action: 'block' }] },
    });
  });

  it("keeps tenants apart: one tenant's rules do nothing to another's", async () => {
    expect(await test(a, owner, 'card 4111 1111 1111 1111')).toMatchObject({ blocked: true });
    expect(await test(a, stranger, 'card 4111 1111 1111 1111')).toMatchObject({ blocked: false, applied: [] });
    expect((await rulesOf(a, stranger)).map((r) => r.key)).toEqual(['secrets', 'prompt_injection']);
  });

  it('applies a change on every replica at once (the cache is invalidated through pub/sub)', async () => {
    // Replica b reads (and caches) the rules first.
    expect(await test(b, owner, 'Ask about Project Zeus')).toMatchObject({ applied: [] });
    const put = await call(a, owner, 'PUT', '/api/v1/tenants/current/guardrails', {
      rules: [
        { key: 'blocked_terms', stages: ['input', 'output'], action: 'mask', config: { terms: ['project zeus'] } },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    await expect
      .poll(async () => (await test(b, owner, 'Ask about Project Zeus')).text, { timeout: 3000 })
      .toBe('Ask about [BLOCKED_TERM]');
  });

  it('turns everything off with an empty list', async () => {
    const put = await call(a, owner, 'PUT', '/api/v1/tenants/current/guardrails', { rules: [] });
    expect(put.statusCode, put.body).toBe(200);
    // Replica b cached the rules in the test above: its copy goes when the pub/sub message arrives.
    await expect.poll(() => rulesOf(b, owner), { timeout: 3000 }).toEqual([]);
    expect(await test(a, owner, `key sk_live_${'x9Y8'.repeat(6)}`)).toMatchObject({ applied: [] });
  });

  it.each([
    ['an unknown key', { rules: [{ key: 'telepathy', stages: ['input'], action: 'block' }] }, 'rules.0.key'],
    ['an unknown stage', { rules: [{ key: 'pii', stages: ['dreams'], action: 'block' }] }, 'rules.0.stages.0'],
    ['an unknown action', { rules: [{ key: 'pii', stages: ['input'], action: 'explode' }] }, 'rules.0.action'],
    ['no stages', { rules: [{ key: 'pii', stages: [], action: 'warn' }] }, 'rules.0.stages'],
    ['a repeated stage', { rules: [{ key: 'pii', stages: ['input', 'input'], action: 'warn' }] }, 'rules.0.stages'],
    [
      'two rules for one guardrail',
      {
        rules: [
          { key: 'pii', stages: ['input'], action: 'warn' },
          { key: 'pii', stages: ['output'], action: 'mask' },
        ],
      },
      'rules.1.key',
    ],
    [
      'masking with moderation',
      { rules: [{ key: 'moderation', stages: ['input'], action: 'mask' }] },
      'rules.0.action',
    ],
    [
      'blocked terms without terms',
      { rules: [{ key: 'blocked_terms', stages: ['input'], action: 'block' }] },
      'rules.0.config.terms',
    ],
    [
      'config on a guardrail that takes none',
      { rules: [{ key: 'pii', stages: ['input'], action: 'block', config: { strict: true } }] },
      'rules.0.config',
    ],
    [
      'a NUL in a term',
      { rules: [{ key: 'blocked_terms', stages: ['input'], action: 'block', config: { terms: ['a\u0000b'] } }] },
      'rules.0.config.terms.0',
    ],
    ['an extra field', { rules: [], extra: 1 }, 'body'],
    ['rules that are not a list', { rules: 'all' }, 'rules'],
  ])('refuses %s with 422', async (_label, body, path) => {
    const res = await call(a, owner, 'PUT', '/api/v1/tenants/current/guardrails', body);
    expect(res.statusCode, res.body).toBe(422);
    const problem = res.json() as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.some((e) => e.path === path)).toBe(true);
  });

  it('refuses hostile test-box input without a 5xx', async () => {
    for (const payload of [
      { text: '' },
      { text: 'a\u0000' },
      { text: 'x'.repeat(32_001) },
      { text: 'hi', stage: 'nope' },
      [],
      null,
    ]) {
      const res = await call(a, member, 'POST', '/api/v1/guardrails/test', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
  });
});
