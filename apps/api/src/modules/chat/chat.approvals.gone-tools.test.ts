import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import { decide, follow, pauseRun } from '../../../test/support/approvals.js';
import { startTestMcpServer, type TestMcpServer } from '../../../test/support/mcp-server.js';

/**
 * A call waits for approval while its tool goes away (the tool server is deleted, disabled, or no
 * longer offers it): deciding it resumes the run, and the model reads a tool error, not a failed run.
 */
describe('approving a call whose tool is gone meanwhile', () => {
  let t: TestApp;
  let mcp: TestMcpServer;
  let owner: TestUser;

  const api = (method: string, url: string, payload?: object) =>
    t.app.inject({ method: method as 'GET', url, headers: owner.headers, ...(payload ? { payload } : {}) });
  const addServer = async (name: string) => {
    const res = await api('POST', '/api/v1/mcp-servers', { name, url: mcp.mcpUrl, require_approval: 'always' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    mcp = await startTestMcpServer();
    t = await createTestApp();
    owner = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  for (const [how, makeGone] of [
    ['deleted', (id: string) => api('DELETE', `/api/v1/mcp-servers/${id}`)],
    ['disabled', (id: string) => api('PATCH', `/api/v1/mcp-servers/${id}`, { enabled: false })],
    ['no longer allowed', (id: string) => api('PATCH', `/api/v1/mcp-servers/${id}`, { allowed_tools: ['add'] })],
  ] as const) {
    it(`server ${how}: approve → the model reads that the tool is gone; the run completes`, async () => {
      const name = `gone${how.length}`;
      const id = await addServer(name);
      const { runId, approvalId, last, requested } = await pauseRun(t, owner, `use ${name}__echo with {"text":"hi"}`);
      expect(requested.map((e) => e.data.name)).toEqual([`${name}__echo`]);
      expect((await makeGone(id)).statusCode).toBeLessThan(300);
      const before = mcp.calls.length;
      expect((await decide(t, owner, runId, approvalId, { decision: 'approve' })).statusCode).toBe(202);
      const rest = await follow(t, owner, runId, last);
      const done = rest[rest.length - 1]!;
      expect(done.event, JSON.stringify(done.data)).toBe('run.completed');
      expect(rest.find((e) => e.event === 'tool.output')?.data.output).toMatch(/no longer available/);
      expect(done.data.response).toMatch(new RegExp(`^The ${name}__echo tool returned: Error: .*no longer available`));
      expect(mcp.calls.length).toBe(before);
      // The conversation goes on.
      const next = await api('POST', '/api/v1/chat', { message: 'hello', conversation_id: done.data.conversation_id });
      expect(next.statusCode, next.body).toBe(200);
    });
  }

  it('server deleted: reject → the model reads the refusal; the run completes', async () => {
    const id = await addServer('gonereject');
    const { runId, approvalId, last } = await pauseRun(t, owner, 'use gonereject__echo with {"text":"hi"}');
    expect((await api('DELETE', `/api/v1/mcp-servers/${id}`)).statusCode).toBe(204);
    expect((await decide(t, owner, runId, approvalId, { decision: 'reject', message: 'no thanks' })).statusCode).toBe(
      202,
    );
    const rest = await follow(t, owner, runId, last);
    const done = rest[rest.length - 1]!;
    expect(done.event, JSON.stringify(done.data)).toBe('run.completed');
    expect(done.data.response).toContain('no thanks');
  });
});
