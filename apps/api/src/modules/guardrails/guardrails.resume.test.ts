import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { decide, follow } from '../../../test/support/approvals.js';
import { startTestMcpServer, type TestMcpServer } from '../../../test/support/mcp-server.js';
import { parseSse } from '../../../test/support/sse-client.js';

const STRIPE_KEY = `sk_live_${'a1B2c3D4'.repeat(3)}`;

/**
 * A run that paused for an approval goes on under the same guardrails: the tenant's rules merged
 * with the entry agent's defaults. The code assistant blocks secrets in its answers; its tool
 * server's tools need approval, so the answer that carries the key is written after the resume.
 */
describe('guardrails after an approval pause', () => {
  let mcp: TestMcpServer;
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    mcp = await startTestMcpServer();
    t = await createTestApp();
    owner = await signUp(t.app);
    const server = await t.app.inject({
      method: 'POST',
      url: '/api/v1/mcp-servers',
      headers: owner.headers,
      payload: { name: 'echo', url: mcp.mcpUrl, require_approval: 'always' },
    });
    expect(server.statusCode, server.body).toBe(201);
    // No tenant rule at all: whatever stops the key can only be the agent's own default.
    const rules = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/tenants/current/guardrails',
      headers: owner.headers,
      payload: { rules: [] },
    });
    expect(rules.statusCode, rules.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  it("the resumed run applies the entry agent's defaults: the code assistant's answer with a key is blocked", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers: owner.headers,
      payload: { agent: 'code_assistant', message: `use echo__echo with {"text":"${STRIPE_KEY}"}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const events = parseSse(res.body);
    expect(events.at(-1)?.event).toBe('run.paused');
    const runId = String(res.headers['x-run-id']);
    const approvalId = String(events.find((e) => e.event === 'approval.requested')?.data.approval_id);

    const ok = await decide(t, owner, runId, approvalId, { decision: 'approve' });
    expect(ok.statusCode, ok.body).toBe(202);
    const rest = await follow(t, owner, runId, Number(events.at(-1)?.id));
    expect(rest[0]?.event).toBe('run.resumed');
    // The tool ran (approved) and the model answered with what it returned: the key.
    expect(mcp.calls).toEqual([{ name: 'echo', args: { text: STRIPE_KEY } }]);
    expect(rest.at(-1)).toMatchObject({
      event: 'run.failed',
      data: { code: 'guardrail_tripped', details: { guardrail: 'secrets', stage: 'output' } },
    });
    const conversation = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${events[0]?.data.conversation_id}`,
      headers: owner.headers,
    });
    expect(conversation.body).not.toContain(`returned: echo: ${STRIPE_KEY}`);
  });
});
