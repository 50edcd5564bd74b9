import crypto from 'node:crypto';
import type {
  DisableMfaRequest,
  MfaChallengeRequest,
  MfaEnrollResponse,
  MfaRequiredResponse,
  RecoveryCodesResponse,
} from '@agentry/contracts';
import type { AuditAction, AuditLog } from '../../../../platform/audit.js';
import type { Caller } from '../../../../platform/caller.js';
import type { Config } from '../../../../config.js';
import { keyedHash, randomToken } from '../../../../platform/crypto.js';
import type { Database } from '../../../../platform/db/client.js';
import { AppError } from '../../../../platform/errors.js';
import type { Ports } from '../../../../platform/ports/index.js';
import type { SecretBox } from '../../../../platform/secret-box.js';
import type { Mailer } from '../../../mail/mailer.js';
import type { LoginLockout } from '../lockout.js';
import type { Reauthentication } from '../reauth.js';
import type { UsersRepo } from '../users.repo.js';
import type { MfaRepo } from './mfa.repo.js';
import { invalidMfaCode, nowSeconds, type SecondFactor, totpContext } from './second-factor.js';
import { base32Encode, generateTotpSecret, matchTotp, otpauthUrl } from './totp.js';

/** How long a login's `mfa_token` lives, and how many wrong codes kill it. */
export const MFA_TOKEN_TTL_SECONDS = 300;
export const MFA_TOKEN_MAX_FAILURES = 5;
export const RECOVERY_CODE_COUNT = 10;

/** What a login's `mfa_token` stands for, kept in the key-value store (never in the token itself). */
interface PendingLogin {
  userId: string;
  tenantId: string;
  /** The lockout key of the account's e-mail: code failures count into the same lockout as passwords. */
  accountKey: string;
  /** Epoch ms; checked here too, so the lifetime does not depend on the store's TTL precision. */
  expiresAt: number;
}

export interface MfaServiceDeps {
  config: Config;
  database: Database;
  ports: Ports;
  secrets: SecretBox;
  audit: AuditLog;
  mailer: Mailer;
  users: UsersRepo;
  repo: MfaRepo;
  lockout: LoginLockout;
  secondFactor: SecondFactor;
  /** The password (and, MFA being on, the second factor) typed again before turning MFA off. */
  reauth: Reauthentication;
  /** Turning MFA on ends the user's other sessions (`SessionRevoker`). */
  revoker: { revokeUserSessions(userId: string, reason: string, options: { keep?: string }): Promise<void> };
}

/**
 * TOTP second factor (RFC 6238) with recovery codes. The secret is sealed at rest (context bound to
 * the user); a time step accepted once is refused afterwards (replay); recovery codes are single use
 * and stored as keyed hashes. Every wrong code counts into the account's login lockout, so a second
 * factor cannot be guessed faster than a password, whichever route or login attempt carries it.
 */
export class MfaService {
  constructor(private readonly deps: MfaServiceDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  async isEnabled(userId: string): Promise<boolean> {
    return this.deps.repo.isEnabled(this.db, userId);
  }

  /** A new secret, not active until `verify`; a second enrol before verifying replaces the first. */
  async enroll(caller: Caller): Promise<MfaEnrollResponse> {
    const user = await this.userOf(caller);
    const secret = generateTotpSecret();
    const saved = await this.deps.repo.savePending(
      this.db,
      user.id,
      this.deps.secrets.seal(secret, totpContext(user.id)),
    );
    if (!saved) throw new AppError('conflict', 'MFA is already on; turn it off first to enrol a new device.');
    return { secret, otpauth_url: otpauthUrl({ issuer: 'Agentry', account: user.email, secret }) };
  }

  /** Checks the first code of the enrolled secret, turns MFA on (ending the other sessions) and answers the recovery codes. */
  async verify(caller: Caller, code: string): Promise<RecoveryCodesResponse> {
    const user = await this.userOf(caller);
    await this.refuseWhenLocked(user.email);
    const row = await this.deps.repo.find(this.db, user.id);
    if (!row) throw new AppError('conflict', 'No enrolment to verify: start with /auth/mfa/totp/enroll.');
    if (row.enabledAt) throw new AppError('conflict', 'MFA is already on.');
    const step = matchTotp(this.deps.secrets.open(row.secretSealed, totpContext(user.id)), code, nowSeconds());
    const codes = generateRecoveryCodes();
    const enabled =
      step !== null &&
      (await this.db.transaction(async (tx) => {
        if (!(await this.deps.repo.acceptStep(tx, user.id, step, { enable: true }))) return false;
        await this.deps.repo.replaceRecoveryCodes(
          tx,
          user.id,
          codes.map((c) => this.deps.secondFactor.hashRecoveryCode(user.id, c)),
        );
        return true;
      }));
    if (!enabled) return this.wrongCode(user.email);
    await this.deps.lockout.clear(this.deps.lockout.accountKey(user.email));
    // Whoever signed in with the password alone before (a thief among them) has to pass the new factor.
    await this.deps.revoker.revokeUserSessions(user.id, 'mfa_enabled', { keep: caller.sessionId });
    await this.notify(caller, user.email, 'auth.mfa_enabled', {
      subject: 'Two-step verification is on',
      text: 'Two-step verification was turned on for your Agentry account. If it was not you, reset your password and contact support.',
    });
    return { recovery_codes: codes };
  }

  /** A new set of recovery codes (needs a current TOTP code); the old set stops working. */
  async regenerateRecoveryCodes(caller: Caller, code: string): Promise<RecoveryCodesResponse> {
    const user = await this.userOf(caller);
    await this.requireTotp(user, code);
    const codes = generateRecoveryCodes();
    await this.db.transaction(async (tx) => {
      await this.deps.repo.replaceRecoveryCodes(
        tx,
        user.id,
        codes.map((c) => this.deps.secondFactor.hashRecoveryCode(user.id, c)),
      );
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'auth.recovery_codes_regenerated',
        actor: { type: 'user', id: user.id, email: user.email },
        target: { type: 'user', id: user.id },
        metadata: { count: codes.length },
      });
    });
    return { recovery_codes: codes };
  }

  /** Turns MFA off: the password and a second factor (a TOTP code, or a recovery code for a lost device). */
  async disable(caller: Caller, input: DisableMfaRequest): Promise<void> {
    // The same check as every sensitive action: the password, then (MFA being on) the second factor.
    const user = await this.deps.reauth.confirm(this.db, caller, input.password, input);
    if (!(await this.deps.repo.isEnabled(this.db, user.id))) throw new AppError('conflict', 'MFA is not on.');
    await this.db.transaction((tx) => this.deps.repo.remove(tx, user.id));
    await this.notify(caller, user.email, 'auth.mfa_disabled', {
      subject: 'Two-step verification is off',
      text: 'Two-step verification was turned off for your Agentry account. If it was not you, reset your password and contact support.',
    });
  }

  /** After a right password for a user with MFA on: a single-use token for `/auth/mfa/challenge`. */
  async startChallenge(login: Omit<PendingLogin, 'expiresAt'>): Promise<MfaRequiredResponse> {
    const token = `mfa_${randomToken(32)}`;
    const expiresAt = Date.now() + MFA_TOKEN_TTL_SECONDS * 1000;
    const pending: PendingLogin = { ...login, expiresAt };
    await this.deps.ports.kv.set(this.key('challenge', token), JSON.stringify(pending), {
      ttlSeconds: MFA_TOKEN_TTL_SECONDS,
    });
    return {
      mfa_required: true,
      mfa_token: token,
      expires_at: new Date(expiresAt).toISOString(),
      methods: ['totp', 'recovery_code'],
    };
  }

  /**
   * Checks a login's second factor. Answers who logs in, once: the token is spent by the first
   * success, dies after MFA_TOKEN_MAX_FAILURES wrong codes (each also counts into the lockout) and
   * after MFA_TOKEN_TTL_SECONDS.
   */
  async completeChallenge(
    input: MfaChallengeRequest,
  ): Promise<{ userId: string; tenantId: string; accountKey: string; method: 'totp' | 'recovery_code' }> {
    const { kv, counters } = this.deps.ports;
    const tokenKey = this.key('challenge', input.mfa_token);
    const raw = await kv.get(tokenKey);
    const pending = raw ? (JSON.parse(raw) as PendingLogin) : null;
    if (!pending || pending.expiresAt <= Date.now()) throw deadToken();
    const locked = await this.deps.lockout.lockedFor(pending.accountKey);
    if (locked !== null) {
      throw new AppError('account_locked', 'Too many failed attempts; try again later.', {
        headers: { 'retry-after': String(locked) },
      });
    }
    // Counted before the code is checked, so concurrent guesses cannot pass the limit.
    const attempt = await counters.increment(this.key('attempts', input.mfa_token), {
      ttlSeconds: MFA_TOKEN_TTL_SECONDS,
    });
    if (attempt.value > MFA_TOKEN_MAX_FAILURES) {
      await kv.delete(tokenKey);
      throw deadToken();
    }
    const ok =
      input.code !== undefined
        ? await this.deps.secondFactor.acceptTotp(this.db, pending.userId, input.code)
        : await this.deps.secondFactor.consumeRecoveryCode(this.db, pending.userId, input.recovery_code ?? '');
    if (!ok) {
      await this.deps.lockout.recordFailure(pending.accountKey);
      if (attempt.value >= MFA_TOKEN_MAX_FAILURES) await kv.delete(tokenKey);
      throw invalidMfaCode();
    }
    // Single use: of two right answers racing, one gets the session.
    const claimed = await kv.set(this.key('used', input.mfa_token), '1', {
      ifNotExists: true,
      ttlSeconds: MFA_TOKEN_TTL_SECONDS,
    });
    await kv.delete(tokenKey);
    if (!claimed) throw deadToken();
    await this.deps.lockout.clear(pending.accountKey);
    const method = input.code !== undefined ? ('totp' as const) : ('recovery_code' as const);
    if (method === 'recovery_code') {
      const user = await this.deps.users.findById(this.db, pending.userId);
      if (user) await this.deps.secondFactor.recoveryCodeUsed(this.db, user, pending.tenantId, 'to sign in');
    }
    return { userId: pending.userId, tenantId: pending.tenantId, accountKey: pending.accountKey, method };
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  private key(kind: 'challenge' | 'attempts' | 'used', token: string): string {
    return `auth:mfa:${kind}:${keyedHash(this.deps.config.auth.refreshTokenPepper, `mfa:${token}`)}`;
  }

  private async userOf(caller: Caller) {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts have no second factor.');
    const user = await this.deps.users.findById(this.db, caller.userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    return user;
  }

  private async refuseWhenLocked(email: string): Promise<void> {
    const locked = await this.deps.lockout.lockedFor(this.deps.lockout.accountKey(email));
    if (locked !== null)
      throw new AppError('account_locked', 'Too many failed attempts; try again later.', {
        headers: { 'retry-after': String(locked) },
      });
  }

  private async wrongCode(email: string): Promise<never> {
    await this.deps.lockout.recordFailure(this.deps.lockout.accountKey(email));
    throw invalidMfaCode();
  }

  /** A current code of the user's active factor, not used before; otherwise a counted 401. */
  private async requireTotp(user: { id: string; email: string }, code: string): Promise<void> {
    await this.refuseWhenLocked(user.email);
    if (!(await this.deps.repo.isEnabled(this.db, user.id))) throw new AppError('conflict', 'MFA is not on.');
    if (!(await this.deps.secondFactor.acceptTotp(this.db, user.id, code))) await this.wrongCode(user.email);
  }

  private async notify(
    caller: Caller,
    email: string,
    action: AuditAction,
    mail: { subject: string; text: string },
  ): Promise<void> {
    await this.deps.audit.record(null, {
      tenantId: caller.tenantId,
      action,
      actor: { type: 'user', id: caller.userId, email },
    });
    await this.deps.mailer.send({ to: email, kind: 'mfa_notice', ...mail });
  }
}

/** Ten codes of 50 random bits each, shown as `xxxxx-xxxxx` (lowercase base32). */
function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const code = base32Encode(crypto.randomBytes(7)).slice(0, 10).toLowerCase();
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

function deadToken() {
  return new AppError('invalid_token', 'The MFA token is invalid, expired or used up; log in again.');
}
