import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/harness.js';
import { addMember, logIn, NO_LOGIN_THROTTLE, signUp, type TestUser } from '../../../test/factories.js';
import { auditEvents } from '../audit/audit.tables.js';
import { users } from '../auth/accounts/accounts.tables.js';
import { isSkip, USER_DATA_TABLES } from './user-data.js';

/** API.md "Account security": `GET /auth/me/export` and `DELETE /auth/me`. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ...NO_LOGIN_THROTTLE, AUTH_LOCKOUT_THRESHOLD: '3', AUTH_LOCKOUT_DURATION_SECONDS: '60' });
});
afterAll(async () => t?.close());

const call = (user: TestUser | undefined, method: string, url: string, payload?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: user?.headers ?? {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function userIdOf(user: TestUser): Promise<string> {
  const [row] = await t.database.db.select().from(users).where(eq(users.email, user.email));
  return row.id;
}

/** A conversation with an answer, feedback on it, a share, a service account and an invitation. */
async function populate(user: TestUser, words: string) {
  const chat = await call(user, 'POST', '/api/v1/chat', { message: `Remember ${words}` });
  expect(chat.statusCode, chat.body).toBe(200);
  const { conversation_id, message_id } = chat.json() as { conversation_id: string; message_id: string };
  const fb = await call(user, 'PUT', `/api/v1/conversations/${conversation_id}/messages/${message_id}/feedback`, {
    rating: 'up',
    comment: `feedback ${words}`,
  });
  expect(fb.statusCode, fb.body).toBe(200);
  expect((await call(user, 'POST', `/api/v1/conversations/${conversation_id}/shares`)).statusCode).toBe(201);
  return { conversation_id, message_id };
}

/** The tables (other than the audit log) with a row whose text mentions `needle`. */
async function tablesMentioning(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of Object.keys(USER_DATA_TABLES)) {
    const r = await t.database.db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table)} x where x::text ilike ${`%${needle}%`}`,
    );
    if ((r.rows[0] as { n: number }).n > 0) found.push(table);
  }
  return found;
}

describe('GET /auth/me/export', () => {
  it("is a complete download of the caller's data, and nothing of anyone else's", async () => {
    const owner = await signUp(t.app, { display_name: 'Owner Person' });
    const member = await addMember(t.app, owner, 'member');
    const stranger = await signUp(t.app);
    await populate(owner, 'owner-secret-garden');
    await populate(member, 'member-private-words');
    await populate(stranger, 'stranger-private-words');
    expect(
      (await call(owner, 'POST', '/api/v1/service-accounts', { name: 'owner-bot', scopes: ['tools:read'] })).statusCode,
    ).toBe(201);
    // A failed login of the owner's own address is theirs too.
    await call(undefined, 'POST', '/api/v1/auth/token', { email: owner.email, password: 'Wrong-passw0rd' });

    const res = await call(owner, 'GET', '/api/v1/auth/me/export');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="agentry-account-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    const ownerId = await userIdOf(owner);
    expect(body.format).toBe('agentry.account-export.v1');
    expect(body.user).toMatchObject({ id: ownerId, email: owner.email });
    expect(body.user).not.toHaveProperty('password_hash');
    // Every table with an export entry is in the document.
    const exported = Object.entries(USER_DATA_TABLES)
      .filter(([name, e]) => name !== 'users' && !isSkip(e.export))
      .map(([name]) => name);
    expect(Object.keys(body.tables).sort()).toEqual(exported.sort());
    for (const table of [
      'profiles',
      'memberships',
      'sessions',
      'login_events',
      'conversations',
      'messages',
      'conversation_items',
      'message_feedback',
      'conversation_shares',
      'chat_runs',
      'service_accounts',
      'invitations',
      'audit_events',
      'mail_outbox',
    ])
      expect(body.tables[table].length, table).toBeGreaterThan(0);
    expect(body.tables.profiles[0].display_name).toBe('Owner Person');
    expect(body.tables.login_events.map((e: { result: string }) => e.result)).toContain('failure');
    const text = res.body;
    expect(text).toContain('owner-secret-garden');
    // Nothing of the member in the same tenant or of a stranger: their conversations, ids, sessions.
    for (const other of [member, stranger]) {
      expect(text).not.toContain(await userIdOf(other));
      expect(text).not.toContain(other.session.refresh_token);
    }
    expect(text).not.toContain('member-private-words');
    expect(text).not.toContain('stranger-private-words');
    // No secrets: hashes, tokens, mail bodies.
    expect(text).not.toMatch(/password_hash|token_hash|code_hash|secret_sealed|body_text|\$2[aby]\$/);
    expect(text).not.toContain(owner.session.refresh_token);
  });

  it('the member gets their own data only', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    await populate(owner, 'owner-only-text');
    await populate(member, 'member-own-text');
    const body = (await call(member, 'GET', '/api/v1/auth/me/export')).json();
    const text = JSON.stringify(body);
    expect(text).toContain('member-own-text');
    expect(text).not.toContain('owner-only-text');
    expect(text).not.toContain(await userIdOf(owner).then((id) => `"actor_id":"${id}"`));
  });

  it('401 without a token', async () => {
    expect((await call(undefined, 'GET', '/api/v1/auth/me/export')).statusCode).toBe(401);
  });
});

describe('DELETE /auth/me', () => {
  it('deletes a solo account with its tenant: no row anywhere names it, and login fails', async () => {
    const u = await signUp(t.app);
    const id = await userIdOf(u);
    const tenantId = u.session.tenant_id;
    await populate(u, 'solo-words');
    const second = await logIn(t.app, u);
    const res = await call(u, 'DELETE', '/api/v1/auth/me', { password: u.password });
    expect(res.statusCode, res.body).toBe(204);
    expect(await tablesMentioning(id)).toEqual([]);
    expect(await tablesMentioning(u.email)).toEqual([]);
    expect(await tablesMentioning(tenantId)).toEqual([]);
    const login = await call(undefined, 'POST', '/api/v1/auth/token', { email: u.email, password: u.password });
    expect([login.statusCode, login.json().code]).toEqual([401, 'invalid_credentials']);
    // Every session ended everywhere: access and refresh tokens.
    // (401 revoked, or 403 tenant_suspended: the deleted tenant is refused on every replica first)
    expect([401, 403]).toContain((await call(second, 'GET', '/api/v1/auth/me')).statusCode);
    expect([401, 403]).toContain((await call(u, 'GET', '/api/v1/auth/me')).statusCode);
    expect(
      (await call(undefined, 'POST', '/api/v1/auth/refresh', { refresh_token: second.session.refresh_token }))
        .statusCode,
    ).toBe(401);
  });

  it('a member of a shared tenant: their rows go, the tenant stays, its log keeps the events without the address', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    const memberId = await userIdOf(member);
    await populate(owner, 'owner-keeps-this');
    await populate(member, 'member-leaves-this');
    expect(
      (await call(member, 'POST', '/api/v1/auth/email/change', { new_email: 'x@y.test', password: 'nope-Wrong1' }))
        .statusCode,
    ).toBe(401);
    const res = await call(member, 'DELETE', '/api/v1/auth/me', { password: member.password });
    expect(res.statusCode, res.body).toBe(204);
    // Only the append-only log still names the account id, never the address.
    expect(await tablesMentioning(memberId)).toEqual(['audit_events']);
    expect(await tablesMentioning(member.email)).toEqual([]);
    const events = await t.database.db.select().from(auditEvents).where(eq(auditEvents.actorId, memberId));
    expect(events.every((e) => e.actorEmail === null)).toBe(true);
    const deleted = events.find((e) => e.action === 'auth.account_deleted');
    expect(deleted?.tenantId).toBe(owner.session.tenant_id);
    expect(JSON.stringify(deleted?.metadata ?? {})).not.toContain('@');
    // The tenant and the owner's things are untouched.
    const members = (await call(owner, 'GET', '/api/v1/tenants/current/members')).json();
    expect(members.items).toHaveLength(1);
    const list = (await call(owner, 'GET', '/api/v1/conversations')).json();
    expect(list.items).toHaveLength(1);
  });

  it('409 conflict as the last owner of a tenant with other members; nothing is deleted', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member');
    const res = await call(owner, 'DELETE', '/api/v1/auth/me', { password: owner.password });
    expect([res.statusCode, res.json().code]).toEqual([409, 'conflict']);
    expect(res.json().details.tenant_ids).toEqual([owner.session.tenant_id]);
    expect((await call(owner, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
    expect((await call(member, 'GET', '/api/v1/auth/me')).statusCode).toBe(200);
    // With a second owner, the first may go.
    const second = await addMember(t.app, owner, 'owner');
    expect((await call(owner, 'DELETE', '/api/v1/auth/me', { password: owner.password })).statusCode).toBe(204);
    expect((await call(second, 'GET', '/api/v1/tenants/current/members')).json().items).toHaveLength(2);
  });

  it('attack: a stolen access token guesses the password — counted into the lockout, nothing deleted', async () => {
    const u = await signUp(t.app);
    for (let i = 0; i < 3; i++) {
      const res = await call(u, 'DELETE', '/api/v1/auth/me', { password: `Guess-${i}-wrong` });
      expect([res.statusCode, res.json().code]).toEqual([401, 'invalid_credentials']);
    }
    const right = await call(u, 'DELETE', '/api/v1/auth/me', { password: u.password });
    expect([right.statusCode, right.json().code]).toEqual([423, 'account_locked']);
    expect(await tablesMentioning(await userIdOf(u))).toContain('users');
  });

  it('attack: the erasure switch opens the log to exactly one change (the address), nothing else', async () => {
    const u = await signUp(t.app);
    await logIn(t.app, u); // an auth.login event by the user
    const id = await userIdOf(u);
    const tx = (statement: ReturnType<typeof sql>, erase: boolean) =>
      t.database.db.transaction(async (db) => {
        if (erase) await db.execute(sql`select set_config('agentry.audit_erase', 'on', true)`);
        await db.execute(statement);
      });
    // Without the switch: even erasing the address is refused.
    await expect(tx(sql`update audit_events set actor_email = null where actor_id = ${id}`, false)).rejects.toThrow();
    // With it: rewriting what happened, or who did it, is refused.
    await expect(
      tx(sql`update audit_events set action = 'auth.logout' where actor_id = ${id}`, true),
    ).rejects.toThrow();
    await expect(
      tx(sql`update audit_events set actor_email = null, actor_id = null where actor_id = ${id}`, true),
    ).rejects.toThrow();
    await expect(
      tx(sql`update audit_events set metadata = '{"forged":true}'::jsonb where actor_id = ${id}`, true),
    ).rejects.toThrow();
    await expect(tx(sql`delete from audit_events where actor_id = ${id}`, true)).rejects.toThrow();
    await tx(sql`update audit_events set actor_email = null where actor_id = ${id}`, true);
    const events = await t.database.db.select().from(auditEvents).where(eq(auditEvents.actorId, id));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.actorEmail === null)).toBe(true);
  });

  it('hostile input → 422, never a 5xx; no token → 401', async () => {
    const u = await signUp(t.app);
    for (const body of [{}, { password: '' }, { password: 'x'.repeat(5000) }, [1]]) {
      const res = await call(u, 'DELETE', '/api/v1/auth/me', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
    }
    expect((await call(undefined, 'DELETE', '/api/v1/auth/me', { password: 'x' })).statusCode).toBe(401);
  });
});
