import type { FileObject } from '@agentry/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, NO_LOGIN_THROTTLE, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { makePdf, uploadAndProcess } from '../../../test/support/knowledge-files.js';
import { parseSse } from '../../../test/support/sse-client.js';

/** API.md "Files and knowledge": the file_search tool in chat, with the offline model's `in my files` rule. */
describe('chat: "in my files" searches the tenant\'s knowledge and cites the file', () => {
  let t: TestApp;
  let owner: TestUser;
  let stranger: TestUser;
  let pdf: FileObject;

  const stream = (user: TestUser, message: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', headers: user.headers, payload: { message } });

  beforeAll(async () => {
    t = await createTestApp(NO_LOGIN_THROTTLE);
    owner = await signUp(t.app);
    stranger = await signUp(t.app);
    pdf = await uploadAndProcess(t.app, owner.headers, {
      name: 'file',
      filename: 'handbook.pdf',
      type: 'application/pdf',
      data: await makePdf([
        'Welcome to the company handbook. Read it on your first day.',
        'The walrus parking permit is renewed every March at the front desk.',
      ]),
    });
    expect(pdf.status).toBe('ready');
  }, 60_000);
  afterAll(async () => t?.close());

  it('streams a file_search call whose output carries file_id, filename, chunk_id and page; the answer cites the file', async () => {
    const res = await stream(owner, 'When is the walrus parking permit renewed? Look in my files.');
    expect(res.statusCode).toBe(200);
    const events = parseSse(res.body);
    const called = events.find((e) => e.event === 'tool.called');
    expect(called?.data).toMatchObject({ name: 'file_search' });
    expect(JSON.parse(called?.data.arguments as string).query).toMatch(/walrus parking permit renewed/);
    const output = events.find((e) => e.event === 'tool.output');
    const results = JSON.parse(output?.data.output as string).results;
    expect(results[0]).toMatchObject({
      file_id: pdf.id,
      filename: 'handbook.pdf',
      page: 2,
      chunk_id: expect.any(String),
    });
    const done = events.at(-1);
    expect(done?.event).toBe('run.completed');
    expect(done?.data.response).toContain('handbook.pdf');
    expect(done?.data.response).toContain('renewed every March');
  });

  it("another tenant's run finds nothing of it (the tenant comes from the run, not the model)", async () => {
    const events = parseSse((await stream(stranger, 'walrus parking permit in my files')).body);
    const output = events.find((e) => e.event === 'tool.output');
    expect(JSON.parse(output?.data.output as string).results).toEqual([]);
    expect(events.at(-1)?.data.response).toBe('I found nothing about that in your files.');
  });

  it('every default agent has the file_search tool', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/agents', headers: owner.headers });
    expect(res.statusCode).toBe(200);
    for (const agent of res.json().items as { name: string; tools: string[] }[])
      expect(agent.tools, agent.name).toContain('file_search');
  });
});
