import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';
import { lastUserText, startFakeOpenAI, type FakeOpenAI } from '../../../test/support/fake-openai.js';
import { MIGRATIONS_DIR } from '../../platform/db/client.js';

interface Msg {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  parent_id: string | null;
  branch_index: number;
  branch_count: number;
  previous_sibling_id: string | null;
  next_sibling_id: string | null;
}

/** API.md "Conversations, more": the message tree (edit, regenerate, /branch) against the fake OpenAI server. */
describe('the message tree: edit, regenerate and switch branches', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI({
      script: ({ body, index }) => {
        const text = lastUserText(body);
        if (text.startsWith('explode'))
          return { error: { status: 400, message: 'nope', type: 'invalid_request_error' } };
        return { text: `answer ${index}: ${text}` };
      },
    });
    t = await createTestApp({
      MODEL_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API: 'responses',
      OPENAI_MODEL: 'fake-1',
    });
    owner = await signUp(t.app);
    member = await addMember(t.app, owner, 'member');
    stranger = await signUp(t.app);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const call = (user: TestUser, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: user.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const chat = async (user: TestUser, payload: Record<string, unknown>) => {
    const before = fake.requests.length;
    const res = await call(user, 'POST', '/api/v1/chat', payload);
    expect(res.statusCode, res.body).toBe(200);
    // What the model was sent for this run (one model call per run here).
    const sent = JSON.stringify(fake.requests.slice(before).map((r) => r.body.input));
    return { ...(res.json() as { conversation_id: string; message_id: string; response: string }), sent };
  };
  const read = async (user: TestUser, id: string) => {
    const res = await call(user, 'GET', `/api/v1/conversations/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { messages: Msg[]; has_more: boolean };
  };
  const occurrences = (haystack: string, needle: string) => haystack.split(needle).length - 1;

  it('a linear conversation is a chain: each message follows the one before, no siblings', async () => {
    const one = await chat(member, { message: 'alpha one' });
    await chat(member, { message: 'alpha two', conversation_id: one.conversation_id });
    const { messages } = await read(member, one.conversation_id);
    expect(messages.map((m) => m.content)).toEqual(['alpha one', expect.any(String), 'alpha two', expect.any(String)]);
    expect(messages[0].parent_id).toBeNull();
    for (let i = 1; i < messages.length; i++) expect(messages[i].parent_id).toBe(messages[i - 1].id);
    for (const m of messages) {
      expect([m.branch_index, m.branch_count, m.previous_sibling_id, m.next_sibling_id]).toEqual([1, 1, null, null]);
    }
  });

  it('edit: a sibling of the question on a new branch; the model sees only that branch; /branch switches back', async () => {
    const first = await chat(member, { message: 'my name is Ann' });
    const id = first.conversation_id;
    const second = await chat(member, { message: 'what is my name?', conversation_id: id });
    expect(second.sent).toContain('my name is Ann');
    const [q1, a1, q2, a2] = (await read(member, id)).messages;

    // Edit the second question: the model sees the first turn and the new question only.
    const edited = await chat(member, { message: 'what is my surname?', conversation_id: id, edit_of: q2.id });
    expect(edited.sent).toContain('my name is Ann');
    expect(edited.sent).toContain('what is my surname?');
    expect(edited.sent).not.toContain('what is my name?');
    expect(edited.sent).not.toContain(second.response);
    let branch = (await read(member, id)).messages;
    expect(branch.map((m) => m.id).slice(0, 2)).toEqual([q1.id, a1.id]);
    expect(branch).toHaveLength(4);
    expect(branch[2]).toMatchObject({
      content: 'what is my surname?',
      parent_id: a1.id,
      branch_index: 2,
      branch_count: 2,
      previous_sibling_id: q2.id,
      next_sibling_id: null,
    });
    expect(branch[3]).toMatchObject({ id: edited.message_id, parent_id: branch[2].id, branch_count: 1 });

    // Edit the very first question: a second root; nothing before it reaches the model.
    const root = await chat(member, { message: 'my name is Bob', conversation_id: id, edit_of: q1.id });
    expect(root.sent).toContain('my name is Bob');
    expect(root.sent).not.toContain('Ann');
    expect(root.sent).not.toContain('surname');
    const next = await chat(member, { message: 'and my name?', conversation_id: id });
    expect(next.sent).toContain('my name is Bob');
    expect(next.sent).not.toContain('Ann');
    branch = (await read(member, id)).messages;
    expect(branch).toHaveLength(4);
    expect(branch[0]).toMatchObject({ parent_id: null, branch_index: 2, branch_count: 2, previous_sibling_id: q1.id });

    // Back to the first version: the branch through it down to its newest end (the surname edit).
    const switched = await call(member, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: q1.id });
    expect(switched.statusCode, switched.body).toBe(200);
    branch = switched.json().messages;
    expect(branch.map((m: Msg) => m.content)).toEqual([
      'my name is Ann',
      a1.content,
      'what is my surname?',
      edited.response,
    ]);
    expect(branch[0]).toMatchObject({ branch_index: 1, branch_count: 2, previous_sibling_id: null });
    expect(branch[0].next_sibling_id).not.toBeNull();
    expect((await read(member, id)).messages.map((m) => m.id)).toEqual(branch.map((m: Msg) => m.id));
    // …and to the older question of the second turn, whose answer is the original one.
    const older = await call(member, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: q2.id });
    expect(older.json().messages.map((m: Msg) => m.id)).toEqual([q1.id, a1.id, q2.id, a2.id]);
    // The model now continues that branch.
    const after = await chat(member, { message: 'once more', conversation_id: id });
    expect(after.sent).toContain('what is my name?');
    expect(after.sent).toContain(second.response);
    expect(after.sent).not.toContain('surname');
    expect(after.sent).not.toContain('Bob');
  });

  it('regenerate: a sibling of the last answer, the question sent once, the old answer not at all', async () => {
    const first = await chat(member, { message: 'tell me a joke' });
    const id = first.conversation_id;
    const again = await chat(member, { conversation_id: id, regenerate: true });
    expect(again.response).not.toBe(first.response);
    expect(occurrences(again.sent, '"tell me a joke"')).toBe(1);
    expect(again.sent).not.toContain(first.response);
    const branch = (await read(member, id)).messages;
    expect(branch).toHaveLength(2);
    expect(branch[1]).toMatchObject({
      id: again.message_id,
      parent_id: branch[0].id,
      branch_index: 2,
      branch_count: 2,
      previous_sibling_id: first.message_id,
    });
    // The next turn's history holds the question once and the regenerated answer only.
    const next = await chat(member, { message: 'another', conversation_id: id });
    expect(occurrences(next.sent, '"tell me a joke"')).toBe(1);
    expect(next.sent).toContain(again.response);
    expect(next.sent).not.toContain(first.response);
    // Switching to the first answer shows it, and the model follows that branch.
    const back = await call(member, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: first.message_id });
    expect(back.json().messages.map((m: Msg) => m.id)).toEqual([branch[0].id, first.message_id]);
    const fromFirst = await chat(member, { message: 'and?', conversation_id: id });
    expect(fromFirst.sent).toContain(first.response);
    expect(fromFirst.sent).not.toContain(again.response);
    expect(fromFirst.sent).not.toContain('another');
  });

  it('regenerate after a failed run answers the question left without one', async () => {
    const first = await chat(member, { message: 'hello there' });
    const id = first.conversation_id;
    const failed = await call(member, 'POST', '/api/v1/chat', { message: 'explode now', conversation_id: id });
    expect(failed.statusCode).toBeGreaterThanOrEqual(400);
    expect(failed.statusCode).toBeLessThan(600);
    const branchBefore = (await read(member, id)).messages;
    expect(branchBefore.at(-1)?.content).toBe('explode now');
    const before = fake.requests.length;
    const res = await call(member, 'POST', '/api/v1/chat', { conversation_id: id, regenerate: true });
    // The fake fails this question every time: what matters is what was asked, once.
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    const sent = JSON.stringify(fake.requests.slice(before).map((r) => r.body.input));
    expect(occurrences(sent, 'explode now')).toBe(1);
    expect(sent).toContain('hello there');
  });

  it('a share keeps the branch of share time; the feedback export prompts with the question answered', async () => {
    const first = await chat(member, { message: 'share me' });
    const id = first.conversation_id;
    const question = (await read(member, id)).messages[0];
    const share = (await call(member, 'POST', `/api/v1/conversations/${id}/shares`)).json() as { id: string };
    const edited = await chat(member, { message: 'share me, edited', conversation_id: id, edit_of: question.id });
    const publicRead = await t.app.inject({ method: 'GET', url: `/api/v1/shared/${share.id}` });
    expect(publicRead.json().messages.map((m: { content: string }) => m.content)).toEqual(['share me', first.response]);
    // Rate the edited branch's answer: its prompt is the edited question, not the first one.
    const rated = await call(member, 'PUT', `/api/v1/conversations/${id}/messages/${edited.message_id}/feedback`, {
      rating: 'down',
    });
    expect(rated.statusCode, rated.body).toBe(200);
    const exported = await call(owner, 'GET', '/api/v1/feedback/export');
    const line = exported.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((r: { message_id: string }) => r.message_id === edited.message_id);
    expect(line).toMatchObject({ prompt: 'share me, edited', response: edited.response });
  });

  it('pages walk back along the current branch only', async () => {
    const first = await chat(member, { message: 'p1' });
    const id = first.conversation_id;
    await chat(member, { message: 'p2', conversation_id: id });
    await chat(member, { message: 'p3', conversation_id: id });
    const [, , q2] = (await read(member, id)).messages;
    await chat(member, { message: 'p2 edited', conversation_id: id, edit_of: q2.id });
    const page = await call(member, 'GET', `/api/v1/conversations/${id}/messages?limit=2`);
    const body = page.json() as { items: Msg[]; next_cursor: string };
    expect(body.items.map((m) => m.content)).toEqual(['p2 edited', expect.stringContaining('p2 edited')]);
    const older = await call(member, 'GET', `/api/v1/conversations/${id}/messages?limit=2&before=${body.next_cursor}`);
    const olderBody = older.json() as { items: Msg[]; next_cursor: string | null };
    expect(olderBody.items.map((m) => m.content)).toEqual(['p1', expect.stringContaining('p1')]);
    expect(olderBody.next_cursor).toBeNull();
    // The export is the current branch too.
    const md = await call(member, 'GET', `/api/v1/conversations/${id}/export?format=markdown`);
    expect(md.body).toContain('p2 edited');
    expect(md.body).not.toContain('p3');
  });

  describe('bad input never reaches the model and is never a 5xx', () => {
    let id: string;
    let question: string;
    let answer: string;
    let otherConversationMessage: string;
    beforeAll(async () => {
      const first = await chat(member, { message: 'base question' });
      id = first.conversation_id;
      answer = first.message_id;
      question = (await read(member, id)).messages[0].id;
      const other = await chat(member, { message: 'elsewhere' });
      otherConversationMessage = (await read(member, other.conversation_id)).messages[0].id;
    });

    const expectProblem = async (payload: Record<string, unknown>, status: number, code: string, pathName?: string) => {
      const before = fake.requests.length;
      const res = await call(member, 'POST', '/api/v1/chat', payload);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().code).toBe(code);
      if (pathName) expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(pathName);
      expect(fake.requests.length).toBe(before);
    };

    it('edit_of: unknown, of another conversation, an answer → 422 on edit_of', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      await expectProblem({ message: 'x', conversation_id: id, edit_of: unknown }, 422, 'validation_failed', 'edit_of');
      await expectProblem(
        { message: 'x', conversation_id: id, edit_of: otherConversationMessage },
        422,
        'validation_failed',
        'edit_of',
      );
      await expectProblem({ message: 'x', conversation_id: id, edit_of: answer }, 422, 'validation_failed', 'edit_of');
      await expectProblem({ message: 'x', conversation_id: id, edit_of: 'not-a-uuid' }, 422, 'validation_failed');
      await expectProblem({ message: 'x', edit_of: question }, 422, 'validation_failed', 'conversation_id');
      await expectProblem({ conversation_id: id, edit_of: question }, 422, 'validation_failed', 'message');
    });

    it('regenerate: with a message, with edit_of, without a conversation, on an empty conversation', async () => {
      await expectProblem({ conversation_id: id, regenerate: true, message: 'x' }, 422, 'validation_failed', 'message');
      await expectProblem(
        { conversation_id: id, regenerate: true, edit_of: question },
        422,
        'validation_failed',
        'edit_of',
      );
      await expectProblem({ regenerate: true }, 422, 'validation_failed', 'conversation_id');
      await expectProblem({ conversation_id: id, regenerate: 'yes' }, 422, 'validation_failed');
      // A conversation without messages (none can be made through the API; a row is enough).
      const [row] = (
        await t.database.db.execute<{ id: string }>(sql`
          insert into conversations (tenant_id, user_id, agent, title)
          select tenant_id, user_id, agent, 'empty' from conversations where id = ${id} returning id`)
      ).rows;
      await expectProblem({ conversation_id: row.id, regenerate: true }, 409, 'conflict');
      expect((await read(member, row.id)).messages).toEqual([]);
    });

    it('/branch: unknown message or one of another conversation → 422; the branch does not move', async () => {
      const before = (await read(member, id)).messages.map((m) => m.id);
      for (const messageId of ['00000000-0000-4000-8000-000000000000', otherConversationMessage]) {
        const res = await call(member, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: messageId });
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json().errors[0].path).toBe('message_id');
      }
      const bad = await call(member, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: 'x' });
      expect(bad.statusCode).toBe(422);
      expect((await read(member, id)).messages.map((m) => m.id)).toEqual(before);
    });

    it("another person's conversation is 404 for edit, regenerate and /branch", async () => {
      for (const user of [owner, stranger]) {
        const before = fake.requests.length;
        for (const payload of [
          { message: 'x', conversation_id: id, edit_of: question },
          { conversation_id: id, regenerate: true },
        ]) {
          const res = await call(user, 'POST', '/api/v1/chat', payload);
          expect(res.statusCode, res.body).toBe(404);
        }
        const branch = await call(user, 'POST', `/api/v1/conversations/${id}/branch`, { message_id: question });
        expect(branch.statusCode).toBe(404);
        expect(fake.requests.length).toBe(before);
      }
    });
  });

  it('the migration turns an existing linear conversation into a chain without loss', async () => {
    const first = await chat(member, { message: 'legacy one' });
    const id = first.conversation_id;
    await chat(member, { message: 'legacy two', conversation_id: id });
    await call(member, 'POST', '/api/v1/chat', { message: 'explode legacy', conversation_id: id });
    await chat(member, { message: 'legacy four', conversation_id: id });
    const share = (await call(member, 'POST', `/api/v1/conversations/${id}/shares`)).json() as { id: string };
    const original = (await read(member, id)).messages;
    expect(original).toHaveLength(7);
    const itemCount = async () =>
      Number(
        (
          await t.database.db.execute<{ n: number }>(
            sql`select count(*)::int as n from conversation_items where conversation_id = ${id}`,
          )
        ).rows[0].n,
      );
    const items = await itemCount();

    // As the conversation was before the tree: no parents, no leaf, items and share not linked.
    await t.database.db.execute(sql`update messages set parent_id = null where conversation_id = ${id}`);
    await t.database.db.execute(sql`update conversations set current_leaf_id = null where id = ${id}`);
    await t.database.db.execute(sql`update conversation_items set message_id = null where conversation_id = ${id}`);
    await t.database.db.execute(sql`update conversation_shares set leaf_message_id = null where id = ${share.id}`);
    expect((await read(member, id)).messages).toEqual([]);

    // The data part of the migration file, statement by statement.
    const file = fs.readdirSync(MIGRATIONS_DIR).find((f) => f.endsWith('_message_tree.sql'));
    expect(file).toBeDefined();
    const text = fs.readFileSync(path.join(MIGRATIONS_DIR, file as string), 'utf8');
    const data = text.slice(text.indexOf('-- data:'));
    const statements = data.split('--> statement-breakpoint').filter((s) => /UPDATE/.test(s));
    expect(statements.length).toBeGreaterThanOrEqual(4);
    for (const statement of statements) await t.database.db.execute(sql.raw(statement));

    const migrated = (await read(member, id)).messages;
    expect(migrated).toEqual(original);
    expect(await itemCount()).toBe(items);
    const unlinked = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from conversation_items where conversation_id = ${id} and message_id is null`,
    );
    expect(Number(unlinked.rows[0].n)).toBe(0);
    const shared = await t.app.inject({ method: 'GET', url: `/api/v1/shared/${share.id}` });
    expect(shared.json().messages.map((m: { content: string }) => m.content)).toEqual(original.map((m) => m.content));
    // The model still sees the whole history, in order, the failed question included once.
    const next = await chat(member, { message: 'legacy five', conversation_id: id });
    const order = ['legacy one', 'legacy two', 'explode legacy', 'legacy four'].map((s) => next.sent.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(occurrences(next.sent, 'explode legacy')).toBe(1);
    expect(occurrences(next.sent, 'legacy one')).toBe(2); // the question and its echoed answer
    // And an edit of a migrated message works like any other.
    const edited = await chat(member, { message: 'legacy two, edited', conversation_id: id, edit_of: original[2].id });
    expect(edited.sent).toContain('legacy one');
    expect(edited.sent).not.toContain('legacy four');
  });
});
