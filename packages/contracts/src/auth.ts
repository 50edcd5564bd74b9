import { z } from 'zod';
import { ROLES } from './scopes.js';
import { Timestamp, Uuid } from './common.js';

const Email = z.email().max(254);
/** Length in characters is checked here; the 72-byte and common-password rules live in the API. */
const Password = z.string().min(1).max(1024);

export const RegisterRequest = z.object({
  email: Email,
  password: Password,
  display_name: z.string().trim().min(1).max(100).optional(),
  tenant_name: z.string().trim().min(1).max(100).optional(),
  invite_token: z.string().min(1).max(200).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const TokenRequest = z.object({
  email: Email,
  password: Password,
  tenant_id: Uuid.optional(),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

export const RefreshRequest = z.object({ refresh_token: z.string().min(1).max(200) });
export const LogoutRequest = z.object({ refresh_token: z.string().min(1).max(200).optional() });

export const SessionResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_at: Timestamp,
  refresh_expires_at: Timestamp,
  kid: z.string(),
  session_id: Uuid,
  user_id: Uuid,
  tenant_id: Uuid,
  role: z.enum(ROLES),
  scopes: z.array(z.string()),
});
export type SessionResponse = z.infer<typeof SessionResponse>;

/** A service account's session (refresh): no user and no role, the account's own scopes. */
export const ServiceSessionResponse = SessionResponse.omit({ user_id: true, role: true }).extend({
  user_id: z.null(),
  role: z.null(),
  service_account_id: Uuid,
});
export type ServiceSessionResponse = z.infer<typeof ServiceSessionResponse>;
/** A refresh answers with the kind of session the refresh token belongs to. */
export const RefreshResponse = z.union([SessionResponse, ServiceSessionResponse]);

export const RegisterResponse = SessionResponse.extend({ tenant_slug: z.string() });
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const MeResponse = z.object({
  user: z.object({
    id: Uuid,
    email: z.string(),
    display_name: z.string().nullable(),
    email_verified: z.boolean(),
    /** True once a TOTP factor is verified: password login then answers 202 and asks for a code. */
    mfa_enabled: z.boolean(),
    /** Profile fields beyond the name (additions to API.md; null until set). */
    avatar_url: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
  }),
  tenant: z.object({ id: Uuid, slug: z.string(), name: z.string() }),
  role: z.enum(ROLES),
  scopes: z.array(z.string()),
  session_id: Uuid,
});
export type MeResponse = z.infer<typeof MeResponse>;

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * `PATCH /api/v1/auth/me`: updates the caller's profile (an addition to API.md). Each field is
 * optional; `null` clears it; an empty body is 400 `empty_update`. Answers the new `MeResponse`.
 */
export const UpdateProfileRequest = z.object({
  display_name: z.string().trim().min(1).max(100).nullable().optional(),
  /** https only: the web app renders it in an <img>, so no `javascript:`/`data:` and no mixed content. */
  avatar_url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .nullable()
    .optional(),
  /** A BCP 47 language tag (`en`, `pt-BR`). */
  locale: z.string().max(35).refine(isLocale, 'Not a BCP 47 language tag.').nullable().optional(),
  /** An IANA time zone (`Europe/Paris`). */
  timezone: z.string().max(64).refine(isTimeZone, 'Not an IANA time zone.').nullable().optional(),
});
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const SessionItem = z.object({
  id: Uuid,
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  user_agent: z.string().nullable(),
  ip_masked: z.string().nullable(),
  current: z.boolean(),
});
export const SessionList = z.object({ items: z.array(SessionItem) });
export type SessionItem = z.infer<typeof SessionItem>;

export const TokenBody = z.object({ token: z.string().min(1).max(200) });
export const ForgotPasswordRequest = z.object({ email: Email });
export const ResetPasswordRequest = z.object({ token: z.string().min(1).max(200), new_password: Password });

export const ServiceAccountIssueRequest = z.object({
  account: z.string().trim().min(1).max(100),
  tenant_id: Uuid,
  scopes: z.array(z.string().min(1).max(100)).min(1).max(50),
  nonce: z.string().min(16).max(200),
  iat: z.number().int(),
});
export type ServiceAccountIssueRequest = z.infer<typeof ServiceAccountIssueRequest>;

export const ServiceAccountIssueResponse = z.object({
  service_account_id: Uuid,
  refresh_token: z.string(),
  scopes: z.array(z.string()),
  tenant_id: Uuid,
});

// ── Account security: TOTP MFA with recovery codes ────────────────────────────────────────────

/** A 6-digit TOTP code from an authenticator app (spaces around it are ignored). */
export const TotpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'A 6-digit code.');
/** A recovery code as shown (`xxxxx-xxxxx`); case, spaces and hyphens are ignored. */
export const RecoveryCode = z.string().trim().min(1).max(64);

export const MfaEnrollResponse = z.object({ secret: z.string(), otpauth_url: z.string() });
export type MfaEnrollResponse = z.infer<typeof MfaEnrollResponse>;

export const MfaCodeRequest = z.object({ code: TotpCode });
export type MfaCodeRequest = z.infer<typeof MfaCodeRequest>;

export const RecoveryCodesResponse = z.object({ recovery_codes: z.array(z.string()) });
export type RecoveryCodesResponse = z.infer<typeof RecoveryCodesResponse>;

/** `POST /auth/token` for a user with MFA on: no session yet, a token for `/auth/mfa/challenge`. */
export const MfaRequiredResponse = z.object({
  mfa_required: z.literal(true),
  mfa_token: z.string(),
  expires_at: Timestamp,
  methods: z.array(z.enum(['totp', 'recovery_code'])),
});
export type MfaRequiredResponse = z.infer<typeof MfaRequiredResponse>;

/** Exactly one of `code` and `recovery_code`. */
const oneSecondFactor = <T extends { code?: string; recovery_code?: string }>(value: T) =>
  (value.code === undefined) !== (value.recovery_code === undefined);
const ONE_FACTOR = { message: 'Send exactly one of code and recovery_code.', path: ['code'] };

export const MfaChallengeRequest = z
  .object({ mfa_token: z.string().min(1).max(200), code: TotpCode.optional(), recovery_code: RecoveryCode.optional() })
  .refine(oneSecondFactor, ONE_FACTOR);
export type MfaChallengeRequest = z.infer<typeof MfaChallengeRequest>;

/**
 * `DELETE /auth/mfa`: the password and a TOTP `code` (or, an addition to API.md for a lost device,
 * a `recovery_code` instead of the code).
 */
export const DisableMfaRequest = z
  .object({ password: Password, code: TotpCode.optional(), recovery_code: RecoveryCode.optional() })
  .refine(oneSecondFactor, ONE_FACTOR);
export type DisableMfaRequest = z.infer<typeof DisableMfaRequest>;

/**
 * The second factor a sensitive action (password change, e-mail change, account deletion) carries
 * besides the password when MFA is on: a TOTP `code` or a `recovery_code`, at most one. Without MFA
 * both are left out (and ignored when sent).
 */
const SecondFactorFields = { code: TotpCode.optional(), recovery_code: RecoveryCode.optional() };
const atMostOneSecondFactor = <T extends { code?: string; recovery_code?: string }>(value: T) =>
  value.code === undefined || value.recovery_code === undefined;
const AT_MOST_ONE_FACTOR = { message: 'Send at most one of code and recovery_code.', path: ['code'] };

export const ChangePasswordRequest = z
  .object({ current_password: Password, new_password: Password, ...SecondFactorFields })
  .refine(atMostOneSecondFactor, AT_MOST_ONE_FACTOR);
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

// ── account rights: e-mail change, export, deletion (API.md "Account security") ──────────────
export const ChangeEmailRequest = z
  .object({ new_email: Email, password: Password, ...SecondFactorFields })
  .refine(atMostOneSecondFactor, AT_MOST_ONE_FACTOR);
export type ChangeEmailRequest = z.infer<typeof ChangeEmailRequest>;
export const DeleteAccountRequest = z
  .object({ password: Password, ...SecondFactorFields })
  .refine(atMostOneSecondFactor, AT_MOST_ONE_FACTOR);
export type DeleteAccountRequest = z.infer<typeof DeleteAccountRequest>;
/**
 * Everything stored about the caller: `user` and `profile`, then one array of rows per table
 * (snake_case columns as stored; secrets, hashes and tokens left out), keyed by table name.
 */
export const AccountExport = z.object({
  format: z.literal('agentry.account-export.v1'),
  exported_at: z.string(),
  user: z.record(z.string(), z.unknown()),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});
export type AccountExport = z.infer<typeof AccountExport>;
