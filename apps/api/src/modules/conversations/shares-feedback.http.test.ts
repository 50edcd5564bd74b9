import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';

/** API.md "Conversations, more": bounded reads, share links, feedback and exports. */
describe('message pages, shares, feedback and exports over HTTP', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let conversationId: string;
  let answerId: string;
  let questionId: string;

  const call = (user: TestUser | undefined, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: user?.headers ?? {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const chat = async (user: TestUser, message: string, id?: string) => {
    const res = await call(user, 'POST', '/api/v1/chat', { message, ...(id ? { conversation_id: id } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { conversation_id: string; message_id: string };
  };

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app);
    member = await addMember(t.app, owner, 'member');
    stranger = await signUp(t.app);
    const first = await chat(member, 'What time is it in Lisbon?');
    conversationId = first.conversation_id;
    answerId = first.message_id;
    const detail = (await call(member, 'GET', `/api/v1/conversations/${conversationId}`)).json();
    questionId = detail.messages[0].id;
  });
  afterAll(() => t.close());

  describe('bounded reads', () => {
    let longId: string;
    beforeAll(async () => {
      longId = (await chat(member, 'message 0')).conversation_id;
      // 2,000 more messages, written as chat would (one statement instead of 1,000 runs).
      await t.database.db.execute(sql`
        insert into messages (tenant_id, conversation_id, role, content, agent, created_at)
        select c.tenant_id, c.id, case when g % 2 = 1 then 'user' else 'assistant' end, 'message ' || g,
               case when g % 2 = 1 then null else 'triage' end, now() + g * interval '1 millisecond'
        from conversations c, generate_series(2, 2001) g where c.id = ${longId}`);
      // …each following the one before, the last one ending the current branch.
      await t.database.db.execute(sql`
        update messages m set parent_id = p.prev from (
          select id, lag(id) over (order by position) as prev from messages where conversation_id = ${longId}
        ) p where p.id = m.id and p.prev is not null and m.parent_id is null`);
      await t.database.db.execute(sql`
        update conversations set current_leaf_id = (
          select id from messages where conversation_id = ${longId} order by position desc limit 1
        ) where id = ${longId}`);
    });

    it('a read returns the newest 100 messages and has_more; pages walk back to the first', async () => {
      const detail = (await call(member, 'GET', `/api/v1/conversations/${longId}`)).json();
      expect(detail.messages).toHaveLength(100);
      expect(detail.has_more).toBe(true);
      expect(detail.messages.at(-1).content).toBe('message 2001');
      const seen: string[] = detail.messages.map((m: { content: string }) => m.content);
      let before: string | null = detail.messages[0].id;
      let pages = 0;
      while (before) {
        const res = await call(member, 'GET', `/api/v1/conversations/${longId}/messages?before=${before}&limit=100`);
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json() as { items: { id: string; content: string }[]; next_cursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(100);
        seen.unshift(...page.items.map((m) => m.content));
        before = page.next_cursor;
        pages++;
      }
      expect(pages).toBe(20);
      expect(seen).toHaveLength(2002);
      expect(seen[0]).toBe('message 0');
      expect(new Set(seen).size).toBe(2002);
    });

    it('a short conversation has has_more false; a foreign cursor is 400, a malformed one 422, a foreign conversation 404', async () => {
      expect((await call(member, 'GET', `/api/v1/conversations/${conversationId}`)).json().has_more).toBe(false);
      const foreign = await call(member, 'GET', `/api/v1/conversations/${longId}/messages?before=${questionId}`);
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json().code).toBe('invalid_cursor');
      expect((await call(member, 'GET', `/api/v1/conversations/${longId}/messages?before=nope`)).statusCode).toBe(422);
      expect((await call(member, 'GET', `/api/v1/conversations/${longId}/messages?limit=101`)).statusCode).toBe(422);
      expect((await call(owner, 'GET', `/api/v1/conversations/${longId}/messages`)).statusCode).toBe(404);
    });

    it('exports the whole transcript as Markdown and as JSON, in order', async () => {
      const md = await call(member, 'GET', `/api/v1/conversations/${longId}/export?format=markdown`);
      expect(md.statusCode).toBe(200);
      expect(md.headers['content-type']).toMatch(/^text\/markdown/);
      expect(md.headers['content-disposition']).toMatch(/^attachment; filename="message-0\.md"$/);
      expect(md.body.indexOf('message 0\n')).toBeLessThan(md.body.indexOf('message 2001\n'));
      expect(md.body.match(/^## /gm)).toHaveLength(2002);
      const json = await call(member, 'GET', `/api/v1/conversations/${longId}/export?format=json`);
      const body = json.json();
      expect(body).toMatchObject({ id: longId, title: 'message 0' });
      expect(body.messages).toHaveLength(2002);
      expect(body.messages[2001].content).toBe('message 2001');
      expect((await call(member, 'GET', `/api/v1/conversations/${longId}/export?format=pdf`)).statusCode).toBe(422);
      expect((await call(stranger, 'GET', `/api/v1/conversations/${longId}/export`)).statusCode).toBe(404);
    });
  });

  describe('shares', () => {
    it('freezes the conversation at share time, reveals no private fields and dies on revoke', async () => {
      const created = await call(member, 'POST', `/api/v1/conversations/${conversationId}/shares`);
      expect(created.statusCode, created.body).toBe(201);
      const share = created.json() as { id: string; path: string };
      expect(share.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(share.path).toBe(`/s/${share.id}`);
      await chat(member, 'A later, private question', conversationId);

      const read = await call(undefined, 'GET', `/api/v1/shared/${share.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.headers['x-robots-tag']).toBe('noindex, nofollow');
      const body = read.json();
      expect(body.messages).toHaveLength(2);
      expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(read.body).not.toContain('later, private');
      expect(read.body).not.toContain(member.email);
      expect(read.body).not.toContain(member.session.user_id);
      expect(read.body).not.toContain(member.session.tenant_id);
      expect(read.body).not.toContain(conversationId);
      expect(read.body).not.toContain('arguments');
      for (const m of body.messages) expect(Object.keys(m).sort()).toEqual(['agent', 'content', 'created_at', 'role']);

      const list = (await call(member, 'GET', `/api/v1/conversations/${conversationId}/shares`)).json();
      expect(list.items.map((s: { id: string }) => s.id)).toEqual([share.id]);
      expect((await call(stranger, 'GET', `/api/v1/conversations/${conversationId}/shares`)).statusCode).toBe(404);
      expect(
        (await call(owner, 'DELETE', `/api/v1/conversations/${conversationId}/shares/${share.id}`)).statusCode,
      ).toBe(404);

      expect(
        (await call(member, 'DELETE', `/api/v1/conversations/${conversationId}/shares/${share.id}`)).statusCode,
      ).toBe(204);
      expect((await call(undefined, 'GET', `/api/v1/shared/${share.id}`)).statusCode).toBe(404);
      expect(
        (await call(member, 'DELETE', `/api/v1/conversations/${conversationId}/shares/${share.id}`)).statusCode,
      ).toBe(404);
    });

    it('refuses malformed and guessed share ids without a 5xx', async () => {
      for (const id of ['x', 'a'.repeat(200), '..%2F..%2Fetc', 'AAAAAAAAAAAAAAAAAAAAAA']) {
        const res = await call(undefined, 'GET', `/api/v1/shared/${id}`);
        expect([404, 422]).toContain(res.statusCode);
      }
      expect((await call(stranger, 'POST', `/api/v1/conversations/${conversationId}/shares`)).statusCode).toBe(404);
    });
  });

  describe('feedback', () => {
    it('rates an answer, replaces the rating, shows it on the message and removes it', async () => {
      const url = `/api/v1/conversations/${conversationId}/messages/${answerId}/feedback`;
      const up = await call(member, 'PUT', url, { rating: 'up' });
      expect(up.statusCode, up.body).toBe(200);
      expect(up.json()).toEqual({ message_id: answerId, rating: 'up', comment: null });
      const down = await call(member, 'PUT', url, { rating: 'down', comment: 'Wrong city' });
      expect(down.json()).toEqual({ message_id: answerId, rating: 'down', comment: 'Wrong city' });
      const detail = (await call(member, 'GET', `/api/v1/conversations/${conversationId}`)).json();
      const answer = detail.messages.find((m: { id: string }) => m.id === answerId);
      expect(answer.feedback).toEqual({ rating: 'down', comment: 'Wrong city' });
      expect(detail.messages.find((m: { id: string }) => m.id === questionId).feedback).toBeUndefined();

      const exported = await call(owner, 'GET', '/api/v1/feedback/export');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = exported.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual([
        expect.objectContaining({
          conversation_id: conversationId,
          message_id: answerId,
          rating: 'down',
          comment: 'Wrong city',
          agent: expect.any(String),
          prompt: 'What time is it in Lisbon?',
          response: expect.any(String),
        }),
      ]);
      const later = await call(
        owner,
        'GET',
        `/api/v1/feedback/export?since=${new Date(Date.now() + 60_000).toISOString()}`,
      );
      expect(later.body).toBe('');

      expect((await call(member, 'DELETE', url)).statusCode).toBe(204);
      const after = (await call(member, 'GET', `/api/v1/conversations/${conversationId}`)).json();
      expect(after.messages.find((m: { id: string }) => m.id === answerId).feedback).toBeNull();
    });

    it('takes feedback only on answers in your own conversations, and checks the body', async () => {
      const base = `/api/v1/conversations/${conversationId}/messages`;
      const onQuestion = await call(member, 'PUT', `${base}/${questionId}/feedback`, { rating: 'up' });
      expect(onQuestion.statusCode).toBe(422);
      expect((await call(stranger, 'PUT', `${base}/${answerId}/feedback`, { rating: 'up' })).statusCode).toBe(404);
      expect((await call(owner, 'PUT', `${base}/${answerId}/feedback`, { rating: 'up' })).statusCode).toBe(404);
      const unknown = `${base}/00000000-0000-4000-8000-000000000000/feedback`;
      expect((await call(member, 'PUT', unknown, { rating: 'up' })).statusCode).toBe(404);
      for (const bad of [
        { rating: 'meh' },
        { rating: 'up', comment: 'x'.repeat(2001) },
        { rating: 'up', comment: 'a\u0000b' },
        {},
      ])
        expect((await call(member, 'PUT', `${base}/${answerId}/feedback`, bad)).statusCode).toBe(422);
    });

    it('exports feedback only to those who may read the audit log, and only their tenant’s', async () => {
      expect((await call(member, 'GET', '/api/v1/feedback/export')).statusCode).toBe(403);
      const theirs = await call(stranger, 'GET', '/api/v1/feedback/export');
      expect(theirs.statusCode).toBe(200);
      expect(theirs.body).toBe('');
      expect((await call(owner, 'GET', '/api/v1/feedback/export?since=yesterday')).statusCode).toBe(422);
    });
  });
});

describe('the public share read is rate limited per client IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_SHARED_READ_PER_IP_PER_MINUTE: '2' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the quota, even for ids that do not exist', async () => {
    const read = () => t.app.inject({ method: 'GET', url: '/api/v1/shared/AAAAAAAAAAAAAAAAAAAAAA' });
    expect((await read()).statusCode).toBe(404);
    expect((await read()).statusCode).toBe(404);
    const limited = await read();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
