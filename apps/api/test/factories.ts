import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Role, SessionResponse } from '@agentry/contracts';

/** A signed-up (or invited) user with a live session, ready for `app.inject({ headers })`. */
export interface TestUser {
  session: SessionResponse;
  email: string;
  password: string;
  headers: { authorization: string };
}

/**
 * The environment of identity tests that sign many users up from one address: the `login_per_ip`
 * throttle (20/min) is tested in the rate-limit module; elsewhere it would only make tests flaky.
 */
export const NO_LOGIN_THROTTLE: Record<string, string> = { RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '0' };

let counter = 0;
/** A unique e-mail per call (per process), so tests never collide on `email_taken`. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${crypto.randomBytes(3).toString('hex')}@example.test`;
}

/** A password that passes the policy. */
export function strongPassword(): string {
  return `Str0ng-${crypto.randomBytes(9).toString('base64url')}`;
}

export function bearer(accessToken: string): { authorization: string } {
  return { authorization: `Bearer ${accessToken}` };
}

async function expectStatus(res: { statusCode: number; body: string }, status: number, what: string) {
  if (res.statusCode !== status) throw new Error(`${what}: expected ${status}, got ${res.statusCode}: ${res.body}`);
}

/** Registers a new user (and their own tenant, as owner) through `POST /api/v1/auth/register`. */
export async function signUp(
  app: FastifyInstance,
  overrides: {
    email?: string;
    password?: string;
    tenant_name?: string;
    display_name?: string;
    invite_token?: string;
  } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? strongPassword();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: {
      email,
      password,
      ...(overrides.tenant_name ? { tenant_name: overrides.tenant_name } : {}),
      ...(overrides.display_name ? { display_name: overrides.display_name } : {}),
      ...(overrides.invite_token ? { invite_token: overrides.invite_token } : {}),
    },
  });
  await expectStatus(res, 201, 'signUp');
  const session = res.json() as SessionResponse;
  return { session, email, password, headers: bearer(session.access_token) };
}

/**
 * A new user invited into `owner`'s tenant with `role`: the owner invites through
 * `POST /api/v1/tenants/current/invitations`, the invitee registers with the invitation token.
 */
export async function addMember(
  app: FastifyInstance,
  owner: TestUser,
  role: Role,
  overrides: { email?: string; password?: string; display_name?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail(role);
  const invite = await app.inject({
    method: 'POST',
    url: '/api/v1/tenants/current/invitations',
    headers: owner.headers,
    payload: { email, role },
  });
  await expectStatus(invite, 201, 'addMember invitation');
  return signUp(app, { ...overrides, email, invite_token: (invite.json() as { token: string }).token });
}

/** Logs an existing user in again (a second session). */
export async function logIn(
  app: FastifyInstance,
  user: { email: string; password: string },
  tenantId?: string,
): Promise<TestUser> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    payload: { email: user.email, password: user.password, ...(tenantId ? { tenant_id: tenantId } : {}) },
  });
  await expectStatus(res, 200, 'logIn');
  const session = res.json() as SessionResponse;
  return { session, email: user.email, password: user.password, headers: bearer(session.access_token) };
}
