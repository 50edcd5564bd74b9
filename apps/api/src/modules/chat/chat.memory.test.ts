import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { signUp, type TestUser } from '../../../test/factories.js';
import {
  lastUserText,
  startFakeOpenAI,
  type FakeOpenAI,
  type FakeReply,
  type FakeRequest,
} from '../../../test/support/fake-openai.js';
import { parseSse } from '../../../test/support/sse-client.js';
import { conversationItems, conversations, messages } from '../conversations/conversations.tables.js';

const TITLE = 'You name chat conversations';
const SUMMARY = 'You keep the memory';
const instructionsOf = (r: FakeRequest) => String(r.body.instructions ?? '');
const isTitle = (r: FakeRequest) => instructionsOf(r).startsWith(TITLE);
const isSummary = (r: FakeRequest) => instructionsOf(r).startsWith(SUMMARY);
const isAgent = (r: FakeRequest) => !isTitle(r) && !isSummary(r);

/** Titles and the model's bounded memory, through HTTP, the real SDK and the fake OpenAI server. */
describe('conversation titles and bounded memory (openai provider, fake server)', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let user: TestUser;
  let other: TestUser;
  /** What the title agent answers (swapped per test). */
  let titleReply: FakeReply = { text: '"Pelican Facts."' };
  let summaries = 0;

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      chunkDelayMs: 20,
      script: (r) => {
        if (isTitle(r)) return titleReply;
        if (isSummary(r)) return { text: `SUMMARY-${++summaries} of the older turns` };
        return { text: `echo ${lastUserText(r.body).slice(0, 40)}` };
      },
    });
    t = await createTestApp({
      MODEL_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API: 'responses',
      OPENAI_MODEL: 'fake-1',
      AGENT_MEMORY_MAX_TOKENS: '2000',
      CHAT_TITLE_TIMEOUT_MS: '300',
    });
    user = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const stream = (payload: object, who: TestUser = user) =>
    t.app.inject({ method: 'POST', url: '/api/v1/chat/stream', headers: who.headers, payload });
  const conversation = (id: string, who: TestUser = user) =>
    t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: who.headers });

  it('streams the title agent’s title before the terminal event and stores it; later runs keep it', async () => {
    titleReply = { text: '"Pelican Facts."' };
    const events = parseSse((await stream({ message: 'tell me everything about pelicans please' })).body);
    const id = events[0].data.conversation_id;
    expect(events.map((e) => e.event).slice(-2)).toEqual(['conversation.titled', 'run.completed']);
    expect(events.at(-2)!.data).toEqual({ conversation_id: id, title: 'Pelican Facts' });
    const titleRequest = fake.requests.filter(isTitle).at(-1)!;
    expect(JSON.stringify(titleRequest.body.input)).toContain('tell me everything about pelicans please');
    expect((await conversation(id)).json().title).toBe('Pelican Facts');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: user.headers });
    expect(list.json().items.find((c: { id: string }) => c.id === id).title).toBe('Pelican Facts');
    // Another person does not see it.
    expect((await conversation(id, other)).statusCode).toBe(404);

    titleReply = { text: 'Something Else' };
    const before = fake.requests.filter(isTitle).length;
    const second = parseSse((await stream({ message: 'and their beaks?', conversation_id: id })).body);
    expect(second.map((e) => e.event)).not.toContain('conversation.titled');
    expect(fake.requests.filter(isTitle).length).toBe(before);
    expect((await conversation(id)).json().title).toBe('Pelican Facts');
  });

  it('a rename during the first run wins over the automatic title', async () => {
    titleReply = { text: 'Model Title', delayMs: 150 };
    const running = stream({ message: 'a question that will be renamed' });
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: user.headers });
      id = list.json().items.find((c: { title: string }) => c.title === 'a question that will be renamed')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 10));
    }
    expect(id).toBeDefined();
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/conversations/${id}`,
      headers: user.headers,
      payload: { title: 'Mine' },
    });
    expect(renamed.statusCode).toBe(200);
    const events = parseSse((await running).body);
    expect(events.at(-1)!.event).toBe('run.completed');
    expect(events.map((e) => e.event)).not.toContain('conversation.titled');
    expect((await conversation(id!)).json().title).toBe('Mine');
  });

  it('a title agent that times out or fails never fails the run; the first words stay', async () => {
    for (const reply of [
      { text: 'Too Late', delayMs: 2000 },
      { error: { status: 500, message: 'title model down' } },
    ] as FakeReply[]) {
      titleReply = reply;
      const started = Date.now();
      const events = parseSse((await stream({ message: 'slow title question here' })).body);
      expect(events.at(-1)).toMatchObject({
        event: 'run.completed',
        data: { response: 'echo slow title question here' },
      });
      expect(events.map((e) => e.event)).not.toContain('conversation.titled');
      expect((await conversation(events[0].data.conversation_id)).json().title).toBe('slow title question here');
      if ('delayMs' in reply) expect(Date.now() - started).toBeLessThan(1900);
    }
  });

  it('a long conversation: the model gets one summary item and the recent turns within budget, summarized once', async () => {
    titleReply = { text: 'Long One' };
    const first = parseSse((await stream({ message: 'start of a long conversation' })).body);
    const id = first[0].data.conversation_id as string;
    const db = t.database.db;
    const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
    // 200 older messages, inserted directly (the transcript and the model's session items).
    const filler = (i: number) => `message number ${i} ${'lorem ipsum '.repeat(8)}`;
    const rows = Array.from({ length: 200 }, (_, i) => ({
      tenantId: row.tenantId,
      conversationId: id,
      role: i % 2 ? 'assistant' : 'user',
      content: filler(i),
    }));
    await db.insert(messages).values(rows.map((r) => ({ ...r, agent: r.role === 'assistant' ? 'triage' : null })));
    await db.insert(conversationItems).values(
      rows.map((r) => ({
        tenantId: r.tenantId,
        conversationId: id,
        schemaVersion: 1,
        item:
          r.role === 'user'
            ? { role: 'user', content: r.content }
            : {
                type: 'message',
                role: 'assistant',
                status: 'completed',
                content: [{ type: 'output_text', text: r.content }],
              },
      })),
    );

    const before = fake.requests.length;
    const events = parseSse((await stream({ message: 'what was message 199?', conversation_id: id })).body);
    expect(events.at(-1)!.event).toBe('run.completed');
    const compacted = events.find((e) => e.event === 'memory.compacted');
    expect(compacted?.data.conversation_id).toBe(id);
    expect(compacted?.data.summarized_messages).toBeGreaterThan(150);
    expect(events.findIndex((e) => e.event === 'memory.compacted')).toBeLessThan(
      events.findIndex((e) => e.event === 'message.delta'),
    );
    const summarizer = fake.requests.slice(before).filter(isSummary);
    expect(summarizer).toHaveLength(1);
    expect(JSON.stringify(summarizer[0].body.input)).toContain('message number 0 ');

    const seen = fake.requests.slice(before).filter(isAgent)[0].body.input as { role?: string; content?: unknown }[];
    expect(seen[0].role).toBe('system');
    expect(JSON.stringify(seen[0].content)).toContain('SUMMARY-1 of the older turns');
    expect(seen.filter((i) => i.role === 'system' && JSON.stringify(i.content).includes('SUMMARY'))).toHaveLength(1);
    const text = JSON.stringify(seen);
    expect(text).toContain('message number 199 ');
    expect(text).not.toContain('message number 0 ');
    expect(text).toContain('what was message 199?');
    expect(text.length / 4).toBeLessThan(2000 + 100);

    // The next run reuses the stored summary: no new summarizer call, no new event.
    const mark = fake.requests.length;
    const again = parseSse((await stream({ message: 'and message 198?', conversation_id: id })).body);
    expect(again.at(-1)!.event).toBe('run.completed');
    expect(again.map((e) => e.event)).not.toContain('memory.compacted');
    expect(fake.requests.slice(mark).filter(isSummary)).toHaveLength(0);
    const seenAgain = JSON.stringify(fake.requests.slice(mark).filter(isAgent)[0].body.input);
    expect(seenAgain).toContain('SUMMARY-1 of the older turns');
    expect(seenAgain).toContain('what was message 199?');

    // The stored transcript stays whole.
    const detail = (await conversation(id)).json();
    expect(detail.has_more).toBe(true);
    const all = await db.select({ id: messages.id }).from(messages).where(eq(messages.conversationId, id));
    expect(all).toHaveLength(1 + 1 + 200 + 2 + 2);
  });
});
