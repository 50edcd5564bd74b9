import { randomUUID } from 'node:crypto';
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
      CHAT_TITLE_TIMEOUT_MS: '3000',
      // Heartbeats beat often: one after the answer is recorded must not take the run for lost.
      CHAT_RUN_HEARTBEAT_MS: '50',
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

  it('a title still being made after the answer is recorded survives the run heartbeats meanwhile', async () => {
    // The answer's end is recorded (the row is no longer running) while the title takes 12 beats.
    titleReply = { text: 'Slow Pelicans', delayMs: 600 };
    const events = parseSse((await stream({ message: 'a question whose title is slow' })).body);
    expect(events.map((e) => e.event).slice(-2)).toEqual(['conversation.titled', 'run.completed']);
    expect((await conversation(events[0].data.conversation_id)).json().title).toBe('Slow Pelicans');
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
    // A title model that never answers: were the run to wait for it, the stream would never end
    // (the test's own timeout), so no clock is read here.
    for (const reply of [{ hang: true }, { error: { status: 500, message: 'title model down' } }] as FakeReply[]) {
      titleReply = reply;
      const events = parseSse((await stream({ message: 'slow title question here' })).body);
      expect(events.at(-1)).toMatchObject({
        event: 'run.completed',
        data: { response: 'echo slow title question here' },
      });
      expect(events.map((e) => e.event)).not.toContain('conversation.titled');
      expect((await conversation(events[0].data.conversation_id)).json().title).toBe('slow title question here');
    }
  });

  /** The long conversation of the next test and its filler messages (the branch test reuses them). */
  let longId = '';
  let fillerIds: string[] = [];

  it('a long conversation: the model gets one summary item and the recent turns within budget, summarized once', async () => {
    titleReply = { text: 'Long One' };
    const first = parseSse((await stream({ message: 'start of a long conversation' })).body);
    const id = first[0].data.conversation_id as string;
    longId = id;
    const db = t.database.db;
    const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
    // 200 older messages on the branch, inserted directly (the transcript and the model's session
    // items, each item linked to its message), the last one made the current leaf.
    const filler = (i: number) => `message number ${i} ${'lorem ipsum '.repeat(8)}`;
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const rows = ids.map((mid, i) => ({
      id: mid,
      parentId: i === 0 ? row.currentLeafId : ids[i - 1],
      tenantId: row.tenantId,
      conversationId: id,
      role: i % 2 ? 'assistant' : 'user',
      content: filler(i),
    }));
    fillerIds = ids;
    await db.insert(messages).values(rows.map((r) => ({ ...r, agent: r.role === 'assistant' ? 'triage' : null })));
    await db.insert(conversationItems).values(
      rows.map((r) => ({
        tenantId: r.tenantId,
        conversationId: id,
        messageId: r.id,
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
    await db.update(conversations).set({ currentLeafId: ids[199] }).where(eq(conversations.id, id));

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

  it('a summary made on one branch is not reused on another: an edit of an early message starts without it', async () => {
    expect(longId).not.toBe('');
    const id = longId;
    const summarized = summaries;
    // Edit filler message 10 (a user message): the new branch is the first exchange and fillers 0-9.
    const mark = fake.requests.length;
    const edited = parseSse(
      (await stream({ message: 'an edited early question', conversation_id: id, edit_of: fillerIds[10] })).body,
    );
    expect(edited.at(-1)!.event).toBe('run.completed');
    expect(edited.map((e) => e.event)).not.toContain('memory.compacted');
    expect(fake.requests.slice(mark).filter(isSummary)).toHaveLength(0);
    const seen = fake.requests.slice(mark).filter(isAgent)[0].body.input as { role?: string; content?: unknown }[];
    const text = JSON.stringify(seen);
    expect(text).not.toContain('SUMMARY-');
    expect(seen.some((i) => i.role === 'system')).toBe(false);
    expect(text).toContain('message number 9 ');
    expect(text).not.toContain('message number 10 ');
    expect(text).not.toContain('message number 199 ');
    expect(text).toContain('an edited early question');
    expect(summaries).toBe(summarized);

    // Back on the long branch (from its last message down), the stored summary is reused again.
    const back = await t.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${id}/branch`,
      headers: user.headers,
      payload: { message_id: fillerIds[199] },
    });
    expect(back.statusCode).toBe(200);
    const mark2 = fake.requests.length;
    const again = parseSse((await stream({ message: 'and message 197?', conversation_id: id })).body);
    expect(again.at(-1)!.event).toBe('run.completed');
    expect(fake.requests.slice(mark2).filter(isSummary)).toHaveLength(0);
    const seenBack = JSON.stringify(fake.requests.slice(mark2).filter(isAgent)[0].body.input);
    expect(seenBack).toContain('SUMMARY-1 of the older turns');
    expect(seenBack).toContain('and message 198?');
    expect(seenBack).not.toContain('an edited early question');
  });
});
