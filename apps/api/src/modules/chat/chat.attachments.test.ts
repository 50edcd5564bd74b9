import type { FileObject } from '@agentry/contracts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { startFakeOpenAI, type FakeOpenAI, type FakeRequest } from '../../../test/support/fake-openai.js';
import { makePng, multipart } from '../../../test/support/knowledge-files.js';
import { parseSse } from '../../../test/support/sse-client.js';

/** API.md "Files and knowledge": `attachments` on chat requests, stored with the message, sent to the model. */

const NOTES = '# Trip notes\n\nThe ferry to the lighthouse leaves at seven from pier nine.\n';
const PNG_BASE64 = makePng().toString('base64');

/** Uploads a file with purpose=attachment and waits until it is no longer processing. */
async function attach(t: TestApp, user: TestUser, filename: string, type: string, data: Buffer | string) {
  const body = multipart([
    { name: 'purpose', data: 'attachment' },
    { name: 'file', filename, type, data },
  ]);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/files',
    headers: { ...user.headers, ...body.headers },
    payload: body.payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const file = (
      await t.app.inject({ method: 'GET', url: `/api/v1/files/${res.json().id}`, headers: user.headers })
    ).json() as FileObject;
    if (file.status !== 'processing' || Date.now() > deadline) return file;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const chatStream = (t: TestApp, user: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', headers: user.headers, payload });

describe('chat attachments with the offline model', () => {
  let t: TestApp;
  let owner: TestUser;
  let stranger: TestUser;
  let notes: FileObject;
  let png: FileObject;

  beforeAll(async () => {
    t = await createTestApp(NO_LOGIN_THROTTLE);
    owner = await signUp(t.app);
    stranger = await signUp(t.app);
    notes = await attach(t, owner, 'notes.md', 'text/markdown', NOTES);
    png = await attach(t, owner, 'pixel.png', 'image/png', makePng());
    expect([notes.status, png.status]).toEqual(['ready', 'ready']);
  }, 60_000);
  afterAll(async () => t?.close());

  it('stores the files with the message, answers mentioning them, and shows them in reads, pages and exports', async () => {
    const res = await chatStream(t, owner, { message: 'What do you see?', attachments: [notes.id, png.id] });
    expect(res.statusCode).toBe(200);
    const done = parseSse(res.body).at(-1);
    expect(done?.event, res.body).toBe('run.completed');
    const response = String(done?.data.response);
    expect(response).toContain('You wrote: What do you see?');
    expect(response).toMatch(/notes\.md \(text\/markdown, \d+ words of text\)/);
    expect(response).toContain('pixel.png (image/png, an image I received)');

    const conversationId = String(done?.data.conversation_id);
    const expected = [
      { file_id: notes.id, filename: 'notes.md', content_type: 'text/markdown', size_bytes: notes.size_bytes },
      { file_id: png.id, filename: 'pixel.png', content_type: 'image/png', size_bytes: png.size_bytes },
    ];
    const detail = (
      await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: owner.headers })
    ).json();
    expect(detail.messages[0].attachments).toEqual(expected);
    expect(detail.messages[1].attachments).toBeUndefined();
    const page = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations/${conversationId}/messages`,
        headers: owner.headers,
      })
    ).json();
    expect(page.items[0].attachments).toEqual(expected);
    const json = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/export?format=json`,
      headers: owner.headers,
    });
    expect(JSON.parse(json.body).messages[0].attachments).toEqual(expected);
    const markdown = await t.app.inject({
      method: 'GET',
      url: `/api/v1/conversations/${conversationId}/export?format=markdown`,
      headers: owner.headers,
    });
    expect(markdown.body).toContain('> Attached: notes.md (text/markdown), pixel.png (image/png)');

    // The model's memory keeps a reference to the image's file, never its bytes.
    const items = await t.database.db.execute(
      sql`select item::text as item from conversation_items where conversation_id = ${conversationId}`,
    );
    const stored = (items.rows as { item: string }[]).map((r) => r.item).join('\n');
    expect(stored).toContain(`agentry-file:${png.id}`);
    expect(stored).not.toContain(PNG_BASE64);
    expect(stored).not.toContain('data:image');
    expect(stored).toContain('pier nine');
  });

  it('regenerating answers the question again with its attachments', async () => {
    const first = parseSse((await chatStream(t, owner, { message: 'Look', attachments: [notes.id] })).body).at(-1);
    const again = parseSse(
      (await chatStream(t, owner, { conversation_id: first?.data.conversation_id, regenerate: true })).body,
    ).at(-1);
    expect(again?.event).toBe('run.completed');
    expect(String(again?.data.response)).toMatch(/notes\.md \(text\/markdown, \d+ words of text\)/);
  });

  it('an edited question is a new version with the files sent with it', async () => {
    const first = parseSse((await chatStream(t, owner, { message: 'Plain question' })).body).at(-1);
    const conversationId = String(first?.data.conversation_id);
    const detail = (
      await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: owner.headers })
    ).json();
    const edited = parseSse(
      (
        await chatStream(t, owner, {
          conversation_id: conversationId,
          edit_of: detail.messages[0].id,
          message: 'Now with a picture',
          attachments: [png.id],
        })
      ).body,
    ).at(-1);
    expect(String(edited?.data.response)).toContain('pixel.png (image/png, an image I received)');
    const after = (
      await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: owner.headers })
    ).json();
    expect(after.messages[0].content).toBe('Now with a picture');
    expect(after.messages[0].attachments.map((a: { file_id: string }) => a.file_id)).toEqual([png.id]);
  });

  it('refuses unknown, foreign and unready files, more than the limit and attachments on a regenerated answer (422, path attachments)', async () => {
    const foreign = await attach(t, stranger, 'secret.md', 'text/markdown', 'the stranger’s secret');
    const broken = await attach(t, owner, 'broken.pdf', 'application/pdf', Buffer.from('%PDF-1.4\nnot really a pdf'));
    expect(broken.status).toBe('failed');
    const refusal = async (payload: Record<string, unknown>) => {
      const res = await chatStream(t, owner, { message: 'hi', ...payload });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['attachments']);
      return res.json().errors[0].message as string;
    };
    const unknownId = '00000000-0000-4000-8000-000000000000';
    // Another tenant's file answers exactly as a file that does not exist.
    expect((await refusal({ attachments: [foreign.id] })).replace(foreign.id, 'ID')).toBe(
      (await refusal({ attachments: [unknownId] })).replace(unknownId, 'ID'),
    );
    expect(await refusal({ attachments: [broken.id] })).toMatch(/failed/);
    expect(await refusal({ attachments: [notes.id, notes.id] })).toMatch(/once/);
    await refusal({ attachments: Array.from({ length: 11 }, () => notes.id) });
    const conversation = parseSse((await chatStream(t, owner, { message: 'start' })).body).at(-1)?.data.conversation_id;
    const res = await chatStream(t, owner, { conversation_id: conversation, regenerate: true, attachments: [png.id] });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('attachments');
    // Nothing of the refused messages was stored.
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: owner.headers })).json();
    expect(listed.items.some((c: { title: string }) => c.title === 'hi')).toBe(false);
  });

  it('MESSAGE_MAX_ATTACHMENTS lowers the limit', async () => {
    const small = await createTestApp({ ...NO_LOGIN_THROTTLE, MESSAGE_MAX_ATTACHMENTS: '1' });
    try {
      const user = await signUp(small.app);
      const a = await attach(small, user, 'a.md', 'text/markdown', 'alpha');
      const b = await attach(small, user, 'b.md', 'text/markdown', 'beta');
      const res = await chatStream(small, user, { message: 'two', attachments: [a.id, b.id] });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0]).toEqual({ path: 'attachments', message: 'at most 1 files' });
    } finally {
      await small.close();
    }
  });
});

describe('chat attachments reach an OpenAI-compatible model', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ script: () => ({ text: 'I see them.' }) });
  });
  afterAll(async () => fake?.close());

  const env = (api: string, extra: Record<string, string> = {}) => ({
    ...NO_LOGIN_THROTTLE,
    MODEL_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API: api,
    OPENAI_MODEL: 'fake-1',
    ...extra,
  });

  /** The last user message of the request body, as the wire format carries it. */
  const lastUser = (r: FakeRequest) => {
    const items = (r.api === 'responses' ? r.body.input : r.body.messages) as { role?: string; content?: unknown }[];
    return items.filter((i) => i.role === 'user').at(-1)?.content as Record<string, unknown>[];
  };
  const userMessages = (r: FakeRequest) =>
    ((r.api === 'responses' ? r.body.input : r.body.messages) as { role?: string }[]).filter((i) => i.role === 'user');

  for (const api of ['responses', 'chat_completions'] as const) {
    it(`${api}: the image as image input (a data URL from storage), the document as its text; later turns see the image again`, async () => {
      const t = await createTestApp(env(api));
      try {
        const user = await signUp(t.app);
        const notes = await attach(t, user, 'notes.md', 'text/markdown', NOTES);
        const png = await attach(t, user, 'pixel.png', 'image/png', makePng());
        const before = fake.requests.length;
        const res = await chatStream(t, user, { message: 'Describe these', attachments: [notes.id, png.id] });
        const done = parseSse(res.body).at(-1);
        expect(done?.event, res.body).toBe('run.completed');
        const sent = fake.requests.slice(before).find((r) => r.api === api && userMessages(r).length > 0);
        expect(sent, 'a model request').toBeDefined();
        const content = lastUser(sent as FakeRequest);
        const dataUrl = `data:image/png;base64,${PNG_BASE64}`;
        if (api === 'responses') {
          expect(content[0]).toEqual({ type: 'input_text', text: 'Describe these' });
          expect(content).toContainEqual(expect.objectContaining({ type: 'input_image', image_url: dataUrl }));
          expect(content.some((c) => c.type === 'input_text' && String(c.text).includes('pier nine'))).toBe(true);
        } else {
          expect(content[0]).toEqual({ type: 'text', text: 'Describe these' });
          expect(content).toContainEqual(
            expect.objectContaining({ type: 'image_url', image_url: expect.objectContaining({ url: dataUrl }) }),
          );
          expect(content.some((c) => c.type === 'text' && String(c.text).includes('pier nine'))).toBe(true);
        }

        // The next turn: the image comes back from its stored reference as image input.
        const next = fake.requests.length;
        await chatStream(t, user, { conversation_id: done?.data.conversation_id, message: 'And now?' });
        const second = fake.requests.slice(next).find((r) => userMessages(r).length >= 2);
        expect(JSON.stringify(second?.body)).toContain(dataUrl);
        expect(JSON.stringify(second?.body)).not.toContain('agentry-file:');
      } finally {
        await t.close();
      }
    }, 60_000);
  }

  it('documents are cut to CHAT_ATTACHMENT_MAX_TOKENS with a marker', async () => {
    const t = await createTestApp(env('responses', { CHAT_ATTACHMENT_MAX_TOKENS: '100' }));
    try {
      const user = await signUp(t.app);
      const long = Array.from({ length: 400 }, (_, i) => `line ${i} of the long file`).join('\n');
      const file = await attach(t, user, 'long.txt', 'text/plain', long);
      const before = fake.requests.length;
      await chatStream(t, user, { message: 'Read it', attachments: [file.id] });
      const sent = fake.requests.slice(before).find((r) => userMessages(r).length > 0) as FakeRequest;
      const doc = String(lastUser(sent).find((c) => String(c.text).startsWith('<attachment'))?.text);
      expect(doc).toContain('line 0 of the long file');
      expect(doc).not.toContain('line 399');
      expect(doc).toMatch(/truncated: the first 400 of \d+ characters/);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('MODEL_IMAGE_INPUT=false: an image ends the run with image_input_unsupported, before any model call', async () => {
    const t = await createTestApp(env('responses', { MODEL_IMAGE_INPUT: 'false' }));
    try {
      const user = await signUp(t.app);
      const png = await attach(t, user, 'pixel.png', 'image/png', makePng());
      const before = fake.requests.length;
      const res = await chatStream(t, user, { message: 'What is this?', attachments: [png.id] });
      expect(res.statusCode).toBe(200);
      const failed = parseSse(res.body).at(-1);
      expect(failed?.event).toBe('run.failed');
      expect(failed?.data).toMatchObject({ code: 'image_input_unsupported', retryable: false });
      expect(fake.requests.length).toBe(before);
      const waited = await t.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: user.headers,
        payload: { message: 'Again?', attachments: [png.id] },
      });
      expect(waited.statusCode).toBe(422);
      expect(waited.json().details.run_failure_code).toBe('image_input_unsupported');
      // The question is kept, with its file, as any failed run's.
      const detail = (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/conversations/${waited.json().details.conversation_id}`,
          headers: user.headers,
        })
      ).json();
      expect(detail.messages[0].attachments[0].file_id).toBe(png.id);
    } finally {
      await t.close();
    }
  }, 60_000);
});
