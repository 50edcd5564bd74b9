import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { addMember, NO_LOGIN_THROTTLE, signUp } from '../../../../test/factories.js';
import { createDatabase, MIGRATIONS_DIR } from '../../../platform/db/client.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(NO_LOGIN_THROTTLE);
});
afterAll(async () => t?.close());

const patch = (headers: Record<string, string>, payload: unknown) =>
  t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers, payload: payload as object });

describe('PATCH /api/v1/auth/me (profile)', () => {
  it('the sign-up name is in the profile; each field updates alone, null clears it, the answer is /auth/me', async () => {
    const u = await signUp(t.app, { display_name: 'Ada' });
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers })).json();
    expect(me.user).toMatchObject({ display_name: 'Ada', avatar_url: null, locale: null, timezone: null });

    const res = await patch(u.headers, {
      display_name: '  Ada Lovelace ',
      locale: 'pt-br',
      timezone: 'Europe/Paris',
      avatar_url: 'https://cdn.example.com/a.png',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toEqual({
      id: u.session.user_id,
      email: u.email,
      email_verified: false,
      mfa_enabled: false,
      display_name: 'Ada Lovelace',
      locale: 'pt-BR',
      timezone: 'Europe/Paris',
      avatar_url: 'https://cdn.example.com/a.png',
    });
    expect(res.json()).toMatchObject({
      tenant: { id: u.session.tenant_id },
      role: 'owner',
      session_id: u.session.session_id,
    });

    const cleared = await patch(u.headers, { avatar_url: null });
    expect(cleared.json().user).toMatchObject({ display_name: 'Ada Lovelace', avatar_url: null, locale: 'pt-BR' });
    const again = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: u.headers })).json();
    expect(again.user).toEqual(cleared.json().user);
  });

  it('the member list shows the new name to the tenant', async () => {
    const owner = await signUp(t.app);
    const member = await addMember(t.app, owner, 'member', { display_name: 'Before' });
    expect((await patch(member.headers, { display_name: 'After' })).statusCode).toBe(200);
    const list = (
      await t.app.inject({ method: 'GET', url: '/api/v1/tenants/current/members', headers: owner.headers })
    ).json();
    expect(list.items).toContainEqual(
      expect.objectContaining({ user_id: member.session.user_id, display_name: 'After' }),
    );
  });

  it('400 empty_update; 422 for bad values (a javascript: or http avatar, a bad locale or time zone, a blank name)', async () => {
    const u = await signUp(t.app);
    const empty = await patch(u.headers, {});
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'empty_update']);
    for (const body of [
      { avatar_url: 'javascript:alert(1)' },
      { avatar_url: 'http://cdn.example.com/a.png' },
      { avatar_url: 'not a url' },
      { locale: 'xx_not_a_locale!' },
      { timezone: 'Mars/Olympus_Mons' },
      { display_name: '   ' },
      { display_name: 'x'.repeat(101) },
    ]) {
      const res = await patch(u.headers, body);
      expect([res.statusCode, res.json().code], JSON.stringify(body)).toEqual([422, 'validation_failed']);
    }
  });

  it("only the caller's own profile: no token is 401, a service account is 403", async () => {
    expect(
      (await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', payload: { display_name: 'x' } })).statusCode,
    ).toBe(401);
    const owner = await signUp(t.app);
    const sa = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service-accounts',
      headers: owner.headers,
      payload: { name: 'bot', scopes: ['tools:read'] },
    });
    const session = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refresh_token: sa.json().refresh_token },
      })
    ).json();
    const res = await patch({ authorization: `Bearer ${session.access_token}` }, { display_name: 'bot' });
    expect(res.statusCode).toBe(403);
  });
});

describe('migration 0003_profiles', () => {
  it('moves every existing display_name into a profile, one per user (forward-only, on PGlite)', {
    timeout: 120_000,
  }, async () => {
    const database = await createDatabase({ poolMax: 1, dataDir: null });
    try {
      const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
        entries: { tag: string }[];
      };
      const tags = journal.entries.map((e) => e.tag);
      const upTo = tags.indexOf('0003_profiles');
      const apply = async (tag: string) => {
        for (const statement of fs
          .readFileSync(path.join(MIGRATIONS_DIR, `${tag}.sql`), 'utf8')
          .split('--> statement-breakpoint')) {
          if (statement.trim()) await database.db.execute(sql.raw(statement));
        }
      };
      for (const tag of tags.slice(0, upTo)) await apply(tag);
      await database.db.execute(
        sql`insert into users (email, password_hash, display_name) values ('named@example.test', 'h', 'Grace'), ('anon@example.test', 'h', null)`,
      );
      await apply('0003_profiles');
      const rows = await database.db.execute(
        sql`select u.email, p.display_name from users u join profiles p on p.user_id = u.id order by u.email`,
      );
      expect(rows.rows).toEqual([
        { email: 'anon@example.test', display_name: null },
        { email: 'named@example.test', display_name: 'Grace' },
      ]);
      const columns = await database.db.execute(
        sql`select column_name from information_schema.columns where table_name = 'users' and column_name = 'display_name'`,
      );
      expect(columns.rows).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
