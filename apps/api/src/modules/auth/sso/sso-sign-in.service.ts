import type { Role, SsoErrorCode, SsoProvisioning } from '@agentry/contracts';
import * as oidc from 'openid-client';
import { jwtVerify } from 'jose';
import type { Config } from '../../../config.js';
import { keyedHash, randomToken } from '../../../platform/crypto.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { Ports } from '../../../platform/ports/types.js';
import type { SecretBox } from '../../../platform/secret-box.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { UsersRepo } from '../accounts/users.repo.js';
import type { ClientInfo } from '../sessions/client-info.js';
import type { OidcIssuers } from './oidc-issuers.js';
import { ssoCallbackUrl, ssoClientSecret } from './sso-config.service.js';
import type { SsoRepo } from './sso.repo.js';
import type { SsoConfigRow } from './sso.tables.js';

const STATE_TTL_SECONDS = 600;
const LOGIN_CODE_TTL_SECONDS = 60;

/** What the session issuer of accounts offers SSO: a session for a user who signed in at the IdP. */
export interface SsoSessionOpener {
  openSsoSession(
    user: { id: string; email: string; emailVerifiedAt: Date | null; isOperator: boolean },
    tenantId: string,
    role: Role,
    client: ClientInfo,
  ): Promise<unknown>;
}

export interface SsoSignInDeps {
  config: Config;
  database: Database;
  logger: Logger;
  ports: Ports;
  secrets: SecretBox;
  repo: SsoRepo;
  users: UsersRepo;
  tenants: TenantsService;
  hasher: PasswordHasher;
  sessions: SsoSessionOpener;
  issuers: OidcIssuers;
}

/** What a `state` stands for between start and callback (in the key-value store, single use). */
interface PendingLogin {
  tenantId: string;
  issuer: string;
  clientId: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
}

/** An SSO failure the callback reports to the web app as `?sso_error=<code>`. */
class SsoFailure extends Error {
  constructor(
    readonly code: SsoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Per-tenant OpenID Connect sign-in: the code flow with state, nonce and PKCE
 * (`/auth/sso/{slug}/start`, `/auth/sso/callback`), provisioning of the identity it proves, and the
 * one-use login code the web app trades for a session (`/auth/sso/exchange`). The configuration it
 * reads is SsoConfigService's. See README.md ("sso/").
 */
export class SsoSignIn {
  constructor(private readonly deps: SsoSignInDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  private get callbackUrl(): string {
    return ssoCallbackUrl(this.deps.config);
  }

  // ── the code flow ──────────────────────────────────────────────────────────────────────────

  /** The authorization URL to send the browser to; 400 for a redirect_uri off the web origins. */
  async start(tenantSlug: string, redirectUri: string): Promise<string> {
    if (!this.isAllowedRedirect(redirectUri)) {
      throw new AppError('bad_request', 'redirect_uri must be on an allowed web origin.', {
        status: 400,
        errors: [{ path: 'redirect_uri', message: 'not on an allowed web origin' }],
      });
    }
    const tenant = await this.deps.tenants.findTenant(tenantSlug);
    const row = tenant && tenant.slug === tenantSlug ? await this.deps.repo.get(this.db, tenant.id) : undefined;
    if (!tenant || !row || tenant.status !== 'active')
      throw new AppError('not_found', 'No single sign-on for this tenant.');
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discover(row);
    } catch {
      throw new AppError('bad_gateway', 'The identity provider cannot be reached.');
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      tenantId: tenant.id,
      issuer: row.issuer,
      clientId: row.clientId,
      verifier,
      nonce,
      redirectUri,
    };
    await this.deps.ports.kv.set(this.stateKey(state), JSON.stringify(pending), { ttlSeconds: STATE_TTL_SECONDS });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.callbackUrl,
      scope: 'openid email profile',
      response_type: 'code',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return url.href;
  }

  /**
   * The IdP's answer. Returns where to send the browser: the start's redirect_uri with a
   * `login_code`, or with an `sso_error`. Only a missing or unknown state has no redirect_uri to go
   * back to: then it answers the web app's login page.
   */
  async callback(query: { code?: string; state?: string; error?: string }, requestUrl: URL): Promise<string> {
    const pending = query.state ? await this.takeState(query.state) : null;
    if (!pending) return this.withParams(`${this.deps.config.http.publicWebUrl}/login`, { sso_error: 'invalid_state' });
    try {
      if (query.error || !query.code) throw new SsoFailure('idp_error', `the IdP answered ${query.error ?? 'no code'}`);
      const user = await this.verifyAndProvision(pending, requestUrl, query.state as string);
      const loginCode = `sso_${randomToken(32)}`;
      await this.deps.ports.kv.set(
        this.loginCodeKey(loginCode),
        JSON.stringify({ userId: user.id, tenantId: pending.tenantId }),
        { ttlSeconds: LOGIN_CODE_TTL_SECONDS },
      );
      return this.withParams(pending.redirectUri, { login_code: loginCode });
    } catch (err) {
      if (!(err instanceof SsoFailure)) throw err;
      this.deps.logger.info(
        { code: err.code, reason: err.message, tenant_id: pending.tenantId },
        'sso sign-in refused',
      );
      return this.withParams(pending.redirectUri, { sso_error: err.code });
    }
  }

  /** Trades a login code (one use, 60 s) for a session; 400 `invalid_token` when used or expired. */
  async exchange(loginCode: string, client: ClientInfo): Promise<unknown> {
    const raw = await this.take(this.loginCodeKey(loginCode));
    const invalid = () =>
      new AppError('invalid_token', 'This login code is invalid, used or expired.', { status: 400 });
    if (!raw) throw invalid();
    const { userId, tenantId } = JSON.parse(raw) as { userId: string; tenantId: string };
    const user = await this.deps.users.findById(this.db, userId);
    const role = user ? await this.deps.tenants.roleOf(this.db, tenantId, userId) : null;
    const tenant = await this.deps.tenants.getTenant(tenantId);
    if (!user || !role || user.status !== 'active' || tenant?.status !== 'active') throw invalid();
    return this.deps.sessions.openSsoSession(user, tenantId, role, client);
  }

  // ── inside the callback ────────────────────────────────────────────────────────────────────

  private async verifyAndProvision(pending: PendingLogin, requestUrl: URL, state: string) {
    const row = await this.deps.repo.get(this.db, pending.tenantId);
    // The configuration changed between start and callback: the flow belongs to the old one.
    if (!row || row.issuer !== pending.issuer || row.clientId !== pending.clientId)
      throw new SsoFailure('sso_not_configured', 'the configuration changed during the sign-in');
    let configuration: oidc.Configuration;
    try {
      configuration = await this.discover(row);
    } catch {
      throw new SsoFailure('token_exchange_failed', 'discovery failed');
    }
    // The callback URL as registered (the API may sit behind a proxy): only its query is the IdP's.
    const current = new URL(this.callbackUrl);
    current.search = requestUrl.search;
    let idToken: string | undefined;
    let accessToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
      accessToken = tokens.access_token;
    } catch (err) {
      const code = String((err as { code?: string }).code ?? '');
      const reason = err instanceof Error ? err.message : String(err);
      // Claims checks (iss, aud, nonce, exp…) fail as OAUTH_JWT_CLAIM_COMPARISON_FAILED / OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED…
      if (/JWT|CLAIM|ATTRIBUTE_COMPARISON|TIMESTAMP/.test(code)) throw new SsoFailure('invalid_id_token', reason);
      throw new SsoFailure('token_exchange_failed', `${code} ${reason}`);
    }
    if (!idToken) throw new SsoFailure('invalid_id_token', 'no ID token');
    const server = configuration.serverMetadata();
    const algorithms = (server.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => a !== 'none');
    if (!server.jwks_uri) throw new SsoFailure('invalid_id_token', 'the issuer publishes no JWKS');
    let claims: Record<string, unknown>;
    try {
      // The signature against the issuer's published keys and algorithms, and the claims again.
      const verified = await jwtVerify(idToken, this.deps.issuers.jwks(server.jwks_uri), {
        issuer: row.issuer,
        audience: row.clientId,
        algorithms,
        requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
      });
      claims = verified.payload as Record<string, unknown>;
    } catch (err) {
      throw new SsoFailure('invalid_id_token', err instanceof Error ? err.message : String(err));
    }
    if (claims.nonce !== pending.nonce) throw new SsoFailure('invalid_id_token', 'nonce mismatch');
    const subject = String(claims.sub);
    // A conformant IdP may put the e-mail claims only in UserInfo (the ID token then has just `sub`):
    // ask it, with the answer bound to the ID token's subject.
    if (claims.email === undefined && accessToken) {
      try {
        const info = await oidc.fetchUserInfo(configuration, accessToken, subject);
        claims = { ...claims, email: info.email, email_verified: info.email_verified };
      } catch (err) {
        throw new SsoFailure('token_exchange_failed', `userinfo: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email || claims.email_verified !== true)
      throw new SsoFailure('email_not_verified', 'the IdP did not assert a verified e-mail');
    return this.provision(row, subject, email);
  }

  /**
   * Who the identity is, and whether they may enter the tenant:
   * - linked before (issuer, sub), or an account with the same verified e-mail that is already a
   *   member: signs in (and is linked);
   * - an account that exists but is not a member is never joined by SSO (the IdP is chosen by the
   *   tenant, so it could claim anyone's address): `not_allowed`;
   * - no account: `invited` needs a pending invitation to the address (consumed), `domain` an
   *   address in `allowed_domains` (joins as `default_role`, within the seat limit), `off` refuses.
   */
  private async provision(row: SsoConfigRow, subject: string, email: string) {
    const { users, tenants, repo } = this.deps;
    const linkedId = await repo.findIdentity(this.db, row.issuer, subject);
    const existing = linkedId ? await users.findById(this.db, linkedId) : await users.findByEmail(this.db, email);
    if (existing) {
      if (existing.status !== 'active') throw new SsoFailure('account_unavailable', 'the account is not active');
      const role = await tenants.roleOf(this.db, row.tenantId, existing.id);
      if (!role) throw new SsoFailure('not_allowed', 'an account outside the tenant is not joined through SSO');
      await repo.linkIdentity(this.db, row.issuer, subject, existing.id);
      return existing;
    }
    const mode = row.autoProvision as SsoProvisioning;
    const domain = email.split('@').pop() ?? '';
    if (mode === 'off') throw new SsoFailure('not_allowed', 'provisioning is off');
    if (mode === 'domain' && !(row.allowedDomains ?? []).includes(domain))
      throw new SsoFailure('not_allowed', 'the e-mail domain is not allowed');
    const passwordHash = await this.deps.hasher.hash(randomToken(32)); // unusable: only a reset sets one
    try {
      return await this.db.transaction(async (tx) => {
        const user = await users.create(tx, { email, passwordHash, displayName: null });
        if (!user) throw new SsoFailure('not_allowed', 'the address was taken meanwhile');
        await users.markEmailVerified(tx, user.id);
        const joined =
          mode === 'invited'
            ? await tenants.joinByInvitedEmail(tx, row.tenantId, email, user.id)
            : await tenants.joinWithinSeats(tx, row.tenantId, user.id, row.defaultRole as Role, { via: 'sso' });
        if (!joined) throw new SsoFailure('not_allowed', 'no pending invitation for this address');
        await repo.linkIdentity(tx, row.issuer, subject, user.id);
        return { ...user, emailVerifiedAt: new Date() };
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'seat_limit_reached')
        throw new SsoFailure('seat_limit_reached', 'no seat left');
      throw err;
    }
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  /** The issuer's configuration for the tenant's client (cached by OidcIssuers). */
  private discover(row: SsoConfigRow) {
    return this.deps.issuers.discover(row.issuer, row.clientId, ssoClientSecret(this.deps.secrets, row));
  }

  private isAllowedRedirect(uri: string): boolean {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return false;
    }
    if (url.username || url.password) return false;
    const origins = new Set([
      ...this.deps.config.http.allowedOrigins,
      new URL(this.deps.config.http.publicWebUrl).origin,
    ]);
    return origins.has(url.origin);
  }

  private withParams(target: string, params: Record<string, string>): string {
    const url = new URL(target);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  }

  /** Reads and deletes a single-use value: the first claim (set-if-absent on a marker) wins. */
  private async take(key: string): Promise<string | null> {
    const value = await this.deps.ports.kv.get(key);
    if (value === null) return null;
    const won = await this.deps.ports.kv.set(`${key}:used`, '1', { ttlSeconds: STATE_TTL_SECONDS, ifNotExists: true });
    await this.deps.ports.kv.delete(key);
    return won ? value : null;
  }

  private async takeState(state: string): Promise<PendingLogin | null> {
    const raw = await this.take(this.stateKey(state));
    return raw ? (JSON.parse(raw) as PendingLogin) : null;
  }

  private stateKey(state: string) {
    return `sso:state:${keyedHash(this.deps.config.auth.refreshTokenPepper, state)}`;
  }

  private loginCodeKey(code: string) {
    return `sso:login:${keyedHash(this.deps.config.auth.refreshTokenPepper, code)}`;
  }
}
