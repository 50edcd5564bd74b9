import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { AgentSummary, ConversationList, ConversationSummary } from '@agentry/contracts';
import { api, apiUrl } from '@/lib/client/api';
import { ApiError } from '@/lib/client/api-error';

/** Records each request the client makes and answers with the next queued response. */
function network(...answers: Response[]) {
  const calls: { url: string; method: string; body: unknown; headers: Record<string, string> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
        headers: init.headers as Record<string, string>,
      });
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected request ${url}`);
      return answer;
    }),
  );
  return calls;
}
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('the typed API client', () => {
  it('GET a route without parameters: its /bff/api URL, and the parsed answer', async () => {
    const agents = { items: [{ name: 'triage' }] };
    const calls = network(json(agents));
    const answer = await api.get('/agents');
    expectTypeOf(answer).toEqualTypeOf<{ items: AgentSummary[] }>();
    expect(answer).toEqual(agents);
    expect(calls).toMatchObject([{ url: '/bff/api/agents', method: 'GET', body: undefined }]);
  });

  it('fills path parameters URI-encoded, so a value cannot add path segments', async () => {
    const calls = network(new Response(null, { status: 204 }));
    const answer = await api.delete('/conversations/:id', { params: { id: '../auth/me?x=1' } });
    expectTypeOf(answer).toEqualTypeOf<undefined>();
    expect(answer).toBeUndefined();
    expect(calls[0]).toMatchObject({ url: '/bff/api/conversations/..%2Fauth%2Fme%3Fx%3D1', method: 'DELETE' });
  });

  it('sends a query with only the values that are set, and a JSON body', async () => {
    const page = { items: [], next_cursor: null };
    const summary = { id: 'c1', title: 'Renamed' };
    const calls = network(json(page), json(summary));
    const list = await api.get('/conversations', { query: { limit: 20, cursor: undefined, q: 'rain & sun' } });
    expectTypeOf(list).toEqualTypeOf<ConversationList>();
    const renamed = await api.patch('/conversations/:id', { params: { id: 'c1' }, body: { title: 'Renamed' } });
    expectTypeOf(renamed).toEqualTypeOf<ConversationSummary>();
    expect(calls[0]?.url).toBe('/bff/api/conversations?limit=20&q=rain+%26+sun');
    expect(calls[1]).toMatchObject({
      url: '/bff/api/conversations/c1',
      method: 'PATCH',
      body: { title: 'Renamed' },
      headers: { 'content-type': 'application/json' },
    });
  });

  it('a 202 with an empty body answers undefined; a 202 with one answers it', async () => {
    network(new Response(null, { status: 202 }), json({ accepted: true, duplicate: false }, 202));
    expect(await api.post('/auth/email/verify/send')).toBeUndefined();
    const usage = await api.post('/billing/tenants/:tenant_id/usage', {
      params: { tenant_id: 't1' },
      body: { feature_key: 'messages', quantity: 1 },
    });
    expect(usage).toEqual({ accepted: true, duplicate: false });
  });

  it('a failure is an ApiError carrying the problem details', async () => {
    network(
      json(
        { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found', detail: 'No such conversation.' },
        404,
      ),
    );
    const failure = await api.get('/conversations/:id', { params: { id: 'gone' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 404, code: 'not_found', message: 'No such conversation.' });
  });

  it('a stream route returns the response for the caller to read', async () => {
    const calls = network(
      new Response('event: ping\ndata: {}\n\n', { headers: { 'content-type': 'text/event-stream' } }),
    );
    const res = await api.stream('GET', '/chat/runs/:run_id/events', {
      params: { run_id: 'r1' },
      headers: { 'last-event-id': '4' },
    });
    expect(await res.text()).toContain('event: ping');
    expect(calls[0]).toMatchObject({ url: '/bff/api/chat/runs/r1/events', headers: { 'last-event-id': '4' } });
  });

  it('a missing path parameter is refused before any request', () => {
    network();
    expect(() => apiUrl('/agents/:name', {})).toThrow(/missing path parameter name/);
  });

  it('only the routes of the table compile, with their own parameters and bodies', () => {
    // Type-level checks: `npm run typecheck` fails if any of these lines compiles.
    const never = () => {
      // @ts-expect-error not a route
      void api.get('/agent');
      // @ts-expect-error a route of another method
      void api.post('/agents');
      // @ts-expect-error path parameters are required
      void api.get('/agents/:name');
      // @ts-expect-error the parameter is named `name`
      void api.get('/agents/:name', { params: { id: 'triage' } });
      // @ts-expect-error the body is the route's (`title`)
      void api.patch('/conversations/:id', { params: { id: 'c1' }, body: { name: 'x' } });
      // @ts-expect-error a stream route is opened with api.stream
      void api.get('/billing/stream');
      // @ts-expect-error a JSON route is not a stream
      void api.stream('GET', '/agents');
    };
    expect(typeof never).toBe('function');
  });
});
