import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, signUp, type TestUser } from '../../../test/factories.js';
import { titleFromMessage } from './conversation-title.js';

describe('conversations, agents and tools over HTTP', () => {
  let t: TestApp;
  let owner: TestUser;
  let colleague: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  const ids: string[] = [];

  const chat = async (user: TestUser, message: string, conversationId?: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: user.headers,
      payload: { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { conversation_id: string; response: string };
  };

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app);
    colleague = await addMember(t.app, owner, 'member');
    viewer = await addMember(t.app, owner, 'viewer');
    stranger = await signUp(t.app);
    for (const m of [
      'first topic: penguins',
      'second topic: volcanoes',
      'third topic: rivers',
      'fourth topic: penguins again',
      'fifth topic: deserts',
    ]) {
      ids.push((await chat(owner, m)).conversation_id);
    }
    await chat(colleague, 'colleague talks about penguins');
    await chat(stranger, 'stranger talks about penguins');
  });
  afterAll(() => t.close());

  it('lists only the caller’s conversations, newest first, with cursor pagination', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; json(): unknown } = await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: owner.headers,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { id: string }[]; next_cursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i: { id: string }) => i.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const first = (
      await t.app.inject({ method: 'GET', url: '/api/v1/conversations?limit=1', headers: owner.headers })
    ).json().items[0];
    expect(first).toMatchObject({ title: 'fifth topic: deserts', agent: 'triage', message_count: 2 });
    expect(first.last_message_preview).toContain('offline model');
  });

  it('moves a conversation to the top when it gets a message', async () => {
    await chat(owner, 'more about volcanoes', ids[1]);
    const items = (
      await t.app.inject({ method: 'GET', url: '/api/v1/conversations?limit=1', headers: owner.headers })
    ).json().items;
    expect(items[0]).toMatchObject({ id: ids[1], message_count: 4 });
    ids.push(ids.splice(1, 1)[0]);
  });

  it('searches message text with q, only in the caller’s conversations', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/conversations?q=penguins', headers: owner.headers });
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .items.map((i: { id: string }) => i.id)
        .sort(),
    ).toEqual([ids[0], ids[2]].sort());
    const none = await t.app.inject({
      method: 'GET',
      url: '/api/v1/conversations?q=nonexistentword',
      headers: owner.headers,
    });
    expect(none.json().items).toEqual([]);
    // Operators and quotes in q are text, not SQL or syntax errors.
    for (const q of ["'; drop table messages; --", '"penguins', 'penguins OR -', '&|!():*']) {
      const r = await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations?q=${encodeURIComponent(q)}`,
        headers: owner.headers,
      });
      expect(r.statusCode, q).toBe(200);
    }
  });

  it('rejects a bad cursor with 400 invalid_cursor and bad limits with 422', async () => {
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = '00000000-0000-4000-8000-000000000000';
    for (const cursor of [
      'garbage',
      Buffer.from('["not-a-date","x"]').toString('base64url'),
      Buffer.from('{}').toString('base64url'),
      '%00',
      // Valid JavaScript dates PostgreSQL cannot take: an expanded year, a year before 1, a non-ISO spelling.
      cursorOf(['+275760-09-13T00:00:00.000Z', id]),
      cursorOf(['-000001-01-01T00:00:00.000Z', id]),
      cursorOf(['2026-01-01', id]),
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/conversations?cursor=${cursor}`,
        headers: owner.headers,
      });
      expect(res.statusCode, cursor).toBe(400);
      expect(res.json().code).toBe('invalid_cursor');
    }
    for (const limit of ['0', '101', 'x']) {
      expect(
        (await t.app.inject({ method: 'GET', url: `/api/v1/conversations?limit=${limit}`, headers: owner.headers }))
          .statusCode,
      ).toBe(422);
    }
  });

  it('answers 422, not a 5xx, for a search or a title with a NUL character', async () => {
    const search = await t.app.inject({
      method: 'GET',
      url: '/api/v1/conversations?q=pen%00guins',
      headers: owner.headers,
    });
    expect(search.statusCode, search.body).toBe(422);
    expect(search.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'q' }] });
    const rename = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/conversations/${ids[0]}`,
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: '{"title":"a\\u0000b"}',
    });
    expect(rename.statusCode, rename.body).toBe(422);
    expect(rename.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'title' }] });
  });

  it('DELETE with Content-Type: application/json and no body is a plain DELETE (204), not malformed JSON', async () => {
    const { conversation_id: id } = await chat(owner, 'to be deleted with a JSON content type');
    const headers = { ...owner.headers, 'content-type': 'application/json', 'content-length': '0' };
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers, payload: '' });
    expect(res.statusCode, res.body).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers, payload: '' })).statusCode,
    ).toBe(404);
  });

  it('renames and deletes; another user or tenant gets 404 for all of it', async () => {
    const id = ids[0];
    for (const intruder of [colleague, stranger]) {
      expect(
        (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: intruder.headers }))
          .statusCode,
      ).toBe(404);
      expect(
        (
          await t.app.inject({
            method: 'PATCH',
            url: `/api/v1/conversations/${id}`,
            headers: intruder.headers,
            payload: { title: 'mine now' },
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: intruder.headers }))
          .statusCode,
      ).toBe(404);
    }
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/conversations/${id}`,
      headers: owner.headers,
      payload: { title: '  Penguin notes  ' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id, title: 'Penguin notes', message_count: 2 });
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/conversations/${id}`,
          headers: owner.headers,
          payload: { title: '   ' },
        })
      ).statusCode,
    ).toBe(422);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: viewer.headers }))
        .statusCode,
    ).toBe(403);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${id}`, headers: owner.headers })).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/conversations/${id}`, headers: owner.headers })).statusCode,
    ).toBe(404);
    // Continuing a deleted conversation is 404 too.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/chat',
          headers: owner.headers,
          payload: { message: 'hi', conversation_id: id },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('lets a viewer read but not chat', async () => {
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: viewer.headers })).statusCode,
    ).toBe(200);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: viewer.headers,
      payload: { message: 'hi' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('insufficient_scope');
  });

  it('lists agents with models, tools and handoffs, and one agent with stats', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/agents', headers: viewer.headers });
    expect(list.statusCode).toBe(200);
    const triage = list.json().items.find((a: { name: string }) => a.name === 'triage');
    expect(triage).toMatchObject({
      display_name: 'Triage',
      model: 'offline',
      handoffs: ['code_assistant', 'data_analyst'],
    });
    expect(triage.tools).toEqual(expect.arrayContaining(['current_time', 'calculator', 'search_conversations']));
    const one = await t.app.inject({ method: 'GET', url: '/api/v1/agents/triage', headers: owner.headers });
    expect(one.json().stats.conversations).toBe(4);
    expect(one.json().stats.last_used_at).not.toBeNull();
    const fresh = await t.app.inject({ method: 'GET', url: '/api/v1/agents/data_analyst', headers: owner.headers });
    expect(fresh.json().stats).toEqual({ conversations: 0, last_used_at: null });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/agents/nobody', headers: owner.headers })).statusCode,
    ).toBe(404);
  });

  it('lists tools with metadata and JSON Schema parameters, per agent', async () => {
    const all = (await t.app.inject({ method: 'GET', url: '/api/v1/tools', headers: owner.headers })).json().items;
    expect(all.map((x: { name: string }) => x.name).sort()).toEqual([
      'calculator',
      'current_time',
      'file_search',
      'search_conversations',
      'send_notification',
    ]);
    expect(all.find((x: { name: string }) => x.name === 'calculator')).toMatchObject({
      core: true,
      capabilities: ['math'],
      parameters: { type: 'object' },
      requires_approval: false,
    });
    // The built-in example of a tool a person approves first.
    expect(all.find((x: { name: string }) => x.name === 'send_notification')).toMatchObject({
      requires_approval: true,
    });
    const forAgent = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tools?agent=data_analyst',
      headers: owner.headers,
    });
    expect(forAgent.statusCode).toBe(200);
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/tools?agent=nobody', headers: owner.headers });
    expect(unknown.statusCode).toBe(422);
    // The field error names the query parameter, as schema failures do.
    expect(unknown.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'agent' }] });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tools' })).statusCode).toBe(401);
  });
});

describe('automatic titles', () => {
  it.each([
    ['Hello world', 'Hello world'],
    ['  \n\n  first line\nsecond line', 'first line'],
    ['', 'New conversation'],
    ['a'.repeat(100), `${'a'.repeat(60)}…`],
    [
      'How do I write a binary search tree in TypeScript with generics and iterators please',
      'How do I write a binary search tree in TypeScript with…',
    ],
  ])('%j → %j', (message, title) => {
    expect(titleFromMessage(message)).toBe(title);
  });
});
