import type { Config } from '../../../../config.js';
import type { AuditLog } from '../../../../platform/audit.js';
import { keyedHash } from '../../../../platform/crypto.js';
import type { DbOrTx } from '../../../../platform/db/client.js';
import { AppError } from '../../../../platform/errors.js';
import type { SecretBox } from '../../../../platform/secret-box.js';
import type { Mailer } from '../../../mail/mailer.js';
import type { LoginLockout } from '../lockout.js';
import type { MfaRepo } from './mfa.repo.js';
import { matchTotp } from './totp.js';

/** What a request carries as its second factor: a TOTP `code` or a `recovery_code` (at most one). */
export interface SecondFactorProof {
  code?: string | undefined;
  recovery_code?: string | undefined;
}

/**
 * The check of a user's second factor, one piece for the login's challenge, turning MFA off and
 * every sensitive action (password change, e-mail change, account deletion). A TOTP code counts
 * when it is of a time step later than the last accepted one (replay refusal, atomic); a recovery
 * code is spent by its first use (atomic). Wrong codes count into the account's login lockout.
 */
export class SecondFactor {
  constructor(
    private readonly deps: {
      config: Config;
      secrets: SecretBox;
      repo: MfaRepo;
      lockout: LoginLockout;
      audit: AuditLog;
      mailer: Mailer;
    },
  ) {}

  /**
   * Before a sensitive action of a user with MFA on: a current TOTP code or an unused recovery code.
   * 401 `mfa_required` when neither was sent; 401 `invalid_mfa_code` (counted into the lockout) when
   * the one sent is wrong, expired or used. Nothing is asked of a user without MFA.
   */
  async confirm(db: DbOrTx, user: { id: string; email: string }, tenantId: string, proof: SecondFactorProof) {
    if (!(await this.deps.repo.isEnabled(db, user.id))) return;
    if (proof.code === undefined && proof.recovery_code === undefined)
      throw new AppError('mfa_required', 'Two-step verification is on: send a code from the app or a recovery code.');
    const ok =
      proof.code !== undefined
        ? await this.acceptTotp(db, user.id, proof.code)
        : await this.consumeRecoveryCode(db, user.id, proof.recovery_code ?? '');
    if (!ok) {
      await this.deps.lockout.recordFailure(this.deps.lockout.accountKey(user.email));
      throw invalidMfaCode();
    }
    if (proof.code === undefined) await this.recoveryCodeUsed(db, user, tenantId, 'to confirm an account change');
  }

  /** True when `code` matches the active factor at a time step later than the last accepted one. */
  async acceptTotp(db: DbOrTx, userId: string, code: string): Promise<boolean> {
    const row = await this.deps.repo.find(db, userId);
    if (!row?.enabledAt) return false;
    const step = matchTotp(this.deps.secrets.open(row.secretSealed, totpContext(userId)), code, nowSeconds());
    return step !== null && (await this.deps.repo.acceptStep(db, userId, step));
  }

  /** Marks an unused recovery code of the user used; false when it is unknown or was used. */
  async consumeRecoveryCode(db: DbOrTx, userId: string, code: string): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized.length !== 10) return false;
    return this.deps.repo.consumeRecoveryCode(db, userId, this.hashRecoveryCode(userId, normalized));
  }

  hashRecoveryCode(userId: string, code: string): string {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, `mfa-recovery:${userId}:${normalizeRecoveryCode(code)}`);
  }

  /** After a recovery code was spent: `auth.recovery_code_used` and a notice mail with the codes left. */
  async recoveryCodeUsed(
    db: DbOrTx,
    user: { id: string; email: string },
    tenantId: string,
    purpose: string,
  ): Promise<void> {
    const left = await this.deps.repo.remainingRecoveryCodes(db, user.id);
    await this.deps.audit.record(null, {
      tenantId,
      action: 'auth.recovery_code_used',
      actor: { type: 'user', id: user.id, email: user.email },
      metadata: { remaining: left },
    });
    await this.deps.mailer.send({
      to: user.email,
      kind: 'mfa_notice',
      subject: 'A recovery code was used',
      text: `A recovery code was used ${purpose} on your Agentry account. ${left} unused codes remain. If it was not you, reset your password and contact support.`,
    });
  }
}

/** The secret-box context of a user's TOTP secret: a sealed secret copied to another user does not open. */
export function totpContext(userId: string): string {
  return `mfa.totp:${userId}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function invalidMfaCode() {
  return new AppError('invalid_mfa_code', 'The code is wrong, expired or already used.');
}
