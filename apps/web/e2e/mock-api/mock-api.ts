/**
 * NOTE: a stand-in for the API server while it is being built, for screenshots and for running
 * the e2e suite on its own (`E2E_API=mock`). It follows API.md for the routes the web app calls,
 * keeps everything in memory and is not a reference implementation of anything.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ROLE_SCOPES } from '@agentry/contracts';
import { runs, startRun, streamRun } from './mock-runs';
import { AGENTS, PLANS, TOOLS } from './mock-catalog';

const PORT = Number(process.env.PORT ?? 8000);
const TTL = Number(process.env.AUTH_ACCESS_TOKEN_TTL_SECONDS ?? 900);
const now = () => new Date().toISOString();
const TENANT = { id: randomUUID(), slug: 'acme', name: 'Acme' };

interface User { id: string; email: string; password: string; display_name: string | null }
interface Session { id: string; userId: string; refresh: string; created_at: string; user_agent: string | null; revoked: boolean }
interface Msg { id: string; role: 'user' | 'assistant'; content: string; agent: string | null; created_at: string; tool_calls?: unknown[] }
interface Conv { id: string; userId: string; title: string; agent: string; created_at: string; updated_at: string; messages: Msg[] }

const users = new Map<string, User>();
const sessions = new Map<string, Session>();
const conversations = new Map<string, Conv>();
const serviceAccounts: { id: string; name: string; scopes: string[]; created_at: string; last_used_at: null }[] = [];
let messagesUsed = 0;

function problem(res: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
  res.end(JSON.stringify({ type: 'about:blank', title: code, status, code, detail, ...extra }));
}
function json(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) return void res.writeHead(status).end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

function issue(user: User, session: Session) {
  const exp = Math.floor(Date.now() / 1000) + TTL;
  session.refresh = `rt_${randomUUID()}${randomUUID()}`;
  return {
    access_token: `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: 'mock' })}.${b64({ sub: `user:${user.id}`, sid: session.id, exp })}.sig`,
    refresh_token: session.refresh, token_type: 'bearer', expires_at: new Date(exp * 1000).toISOString(),
    refresh_expires_at: new Date(Date.now() + 86_400_000).toISOString(), kid: 'mock', session_id: session.id,
    user_id: user.id, tenant_id: TENANT.id, role: 'owner', scopes: [...ROLE_SCOPES.owner],
  };
}
function auth(req: IncomingMessage): { user: User; session: Session } | null {
  const token = req.headers.authorization?.replace(/^Bearer /, '');
  if (!token) return null;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string; exp: number };
    const session = sessions.get(claims.sid);
    if (!session || session.revoked || claims.exp < Date.now() / 1000) return null;
    return { user: [...users.values()].find((u) => u.id === session.userId)!, session };
  } catch {
    return null;
  }
}
async function body(req: IncomingMessage): Promise<Record<string, any>> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw ? JSON.parse(raw) : {};
}
const summary = (c: Conv) => ({
  id: c.id, title: c.title, agent: c.agent, message_count: c.messages.length,
  last_message_preview: c.messages.at(-1)?.content.slice(0, 80) ?? null, created_at: c.created_at, updated_at: c.updated_at,
});

async function route(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  const p = url.pathname.replace(/^\/api\/v1/, '');
  const m = req.method ?? 'GET';
  if (p === '/health/ready') return json(res, 200, { status: 'ready', checks: { database: 'ok' } });
  if (m === 'POST' && (p === '/auth/register' || p === '/auth/token')) {
    const b = await body(req);
    if (p === '/auth/register') {
      if (typeof b.password !== 'string' || b.password.length < 12) return problem(res, 422, 'validation_failed', 'Weak password.', { errors: [{ path: 'password', message: 'Use at least 12 characters.' }] });
      if ([...users.values()].some((u) => u.email === b.email)) return problem(res, 409, 'email_taken', 'Email taken.');
      users.set(b.email, { id: randomUUID(), email: b.email, password: b.password, display_name: b.display_name ?? null });
    }
    const user = users.get(b.email);
    if (!user || user.password !== b.password) return problem(res, 401, 'invalid_credentials', 'Invalid email or password.');
    const session: Session = { id: randomUUID(), userId: user.id, refresh: '', created_at: now(), user_agent: req.headers['user-agent'] ?? null, revoked: false };
    sessions.set(session.id, session);
    return json(res, p === '/auth/register' ? 201 : 200, { ...issue(user, session), ...(p === '/auth/register' ? { tenant_slug: TENANT.slug } : {}) });
  }
  if (m === 'POST' && p === '/auth/refresh') {
    const b = await body(req);
    const session = [...sessions.values()].find((s) => s.refresh === b.refresh_token && !s.revoked);
    if (!session) return problem(res, 401, 'invalid_token', 'Unknown refresh token.');
    return json(res, 200, issue([...users.values()].find((u) => u.id === session.userId)!, session));
  }
  if (m === 'POST' && ['/auth/password/forgot', '/auth/email/verify', '/auth/password/reset'].includes(p)) return json(res, p.endsWith('forgot') ? 202 : 204);
  if (p === '/billing/plans') return json(res, 200, { items: PLANS });
  const a = auth(req);
  if (!a) return problem(res, 401, 'unauthenticated', 'Sign in first.');
  const { user, session } = a;
  if (m === 'POST' && p === '/auth/logout') { session.revoked = true; return json(res, 204); }
  if (m === 'POST' && p === '/auth/logout/all') { for (const s of sessions.values()) if (s.userId === user.id) s.revoked = true; return json(res, 204); }
  if (p === '/auth/me') return json(res, 200, { user: { id: user.id, email: user.email, display_name: user.display_name, email_verified: false }, tenant: TENANT, role: 'owner', scopes: ROLE_SCOPES.owner, session_id: session.id });
  if (p === '/auth/sessions') return json(res, 200, { items: [...sessions.values()].filter((s) => s.userId === user.id && !s.revoked).map((s) => ({ id: s.id, created_at: s.created_at, last_used_at: now(), user_agent: s.user_agent, ip_masked: '127.0.0.x', current: s.id === session.id })) });
  if (m === 'DELETE' && p.startsWith('/auth/sessions/')) { const s = sessions.get(p.split('/')[3]!); if (!s || s.userId !== user.id) return problem(res, 404, 'not_found', 'No such session.'); s.revoked = true; return json(res, 204); }
  if (m === 'POST' && (p === '/auth/password/change' || p === '/auth/email/verify/send')) return json(res, p.endsWith('send') ? 202 : 204);
  if (p === '/agents') return json(res, 200, { items: AGENTS });
  if (p === '/tools') return json(res, 200, { items: TOOLS });
  if (p === '/conversations') {
    const q = url.searchParams.get('q')?.toLowerCase();
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('cursor') ?? 0);
    const mine = [...conversations.values()].filter((c) => c.userId === user.id && (!q || c.messages.some((x) => x.content.toLowerCase().includes(q)))).sort((x, y) => y.updated_at.localeCompare(x.updated_at));
    return json(res, 200, { items: mine.slice(offset, offset + limit).map(summary), next_cursor: offset + limit < mine.length ? String(offset + limit) : null });
  }
  const convMatch = /^\/conversations\/([\w-]+)$/.exec(p);
  if (convMatch) {
    const c = conversations.get(convMatch[1]!);
    if (!c || c.userId !== user.id) return problem(res, 404, 'not_found', 'No such conversation.');
    if (m === 'DELETE') { conversations.delete(c.id); return json(res, 204); }
    if (m === 'PATCH') { c.title = (await body(req)).title; return json(res, 200, summary(c)); }
    const { userId: _u, ...detail } = c;
    return json(res, 200, detail);
  }
  if (m === 'POST' && p === '/chat/stream') {
    const b = await body(req);
    let c = b.conversation_id ? conversations.get(b.conversation_id) : undefined;
    if (!c) {
      c = { id: randomUUID(), userId: user.id, title: String(b.message).slice(0, 60), agent: b.agent ?? 'triage', created_at: now(), updated_at: now(), messages: [] };
      conversations.set(c.id, c);
    }
    const conv = c;
    conv.messages.push({ id: randomUUID(), role: 'user', content: b.message, agent: null, created_at: now() });
    messagesUsed++;
    const run = startRun(conv.id, b.message, b.agent ?? 'triage', (text, agent, tools) => {
      const id = randomUUID();
      conv.messages.push({ id, role: 'assistant', content: text, agent, created_at: now(), ...(tools.length ? { tool_calls: tools } : {}) });
      conv.updated_at = now();
      return id;
    });
    return streamRun(run, 0, res, { 'x-run-id': run.id });
  }
  const runMatch = /^\/chat\/runs\/([\w-]+)\/(events|cancel)$/.exec(p);
  if (runMatch) {
    const run = runs.get(runMatch[1]!);
    if (!run) return problem(res, 404, 'not_found', 'No such run.');
    if (runMatch[2] === 'cancel') { run.cancelled = true; return json(res, 202); }
    return streamRun(run, Number(req.headers['last-event-id'] ?? url.searchParams.get('after') ?? 0), res);
  }
  if (p === '/billing/stream' || /checkout-session|portal-session/.test(p)) return problem(res, 503, 'billing_disabled', 'Billing is not configured.');
  if (p.endsWith('/subscription')) return problem(res, 404, 'not_found', 'No subscription.');
  if (p.endsWith('/usage')) return json(res, 200, { period_start: new Date(Date.now() - 86_400_000 * 3).toISOString(), period_end: new Date(Date.now() + 86_400_000 * 27).toISOString(), items: [{ feature_key: 'messages', used: messagesUsed, hard_limit: 200, soft_limit: 150 }, { feature_key: 'output_tokens', used: messagesUsed * 40, hard_limit: 100_000, soft_limit: 80_000 }] });
  if (p.endsWith('/invoices')) return json(res, 200, { items: [] });
  if (p === '/tenants/current/members') return json(res, 200, { items: [{ user_id: user.id, email: user.email, display_name: user.display_name, role: 'owner', joined_at: session.created_at }] });
  if (m === 'POST' && p === '/tenants/current/invitations') { const b = await body(req); return json(res, 201, { id: randomUUID(), email: b.email, role: b.role ?? 'member', token: `inv_${randomUUID()}`, expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString() }); }
  if (p === '/service-accounts' && m === 'GET') return json(res, 200, { items: serviceAccounts });
  if (p === '/service-accounts' && m === 'POST') { const b = await body(req); const sa = { id: randomUUID(), name: b.name, scopes: b.scopes, created_at: now(), last_used_at: null }; serviceAccounts.push(sa); return json(res, 201, { ...sa, refresh_token: `rt_${randomUUID()}` }); }
  return problem(res, 404, 'not_found', `No route ${m} ${p}`);
}

createServer((req, res) => {
  route(req, res).catch((error) => { console.error(error); if (!res.headersSent) problem(res, 500, 'internal_error', 'Mock failure.'); });
}).listen(PORT, '127.0.0.1', () => console.log(`mock API on http://127.0.0.1:${PORT}`));
