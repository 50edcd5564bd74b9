import { z } from 'zod';

/**
 * The closed list of problem `code`s the API can answer with, and the HTTP status of each.
 * The compiler checks the map is complete: adding a code without a status fails typecheck.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  tenant_required: 400,
  invalid_cursor: 400,
  empty_update: 400,
  unauthenticated: 401,
  invalid_token: 401,
  token_expired: 401,
  invalid_credentials: 401,
  refresh_token_reused: 401,
  nonce_reused: 401,
  invalid_mfa_code: 401,
  mfa_required: 401,
  insufficient_scope: 403,
  tenant_mismatch: 403,
  account_disabled: 403,
  email_not_verified: 403,
  signup_closed: 403,
  sso_required: 403,
  tenant_suspended: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  email_taken: 409,
  subscription_exists: 409,
  seat_limit_reached: 409,
  already_decided: 409,
  approval_expired: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  account_locked: 423,
  rate_limited: 429,
  usage_limit_exceeded: 429,
  internal_error: 500,
  bad_gateway: 502,
  unavailable: 503,
  billing_disabled: 503,
  not_ready: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const FieldError = z.object({ path: z.string(), message: z.string() });

/** RFC 9457 problem details as every error response carries them. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  detail: z.string().optional(),
  request_id: z.string().optional(),
  errors: z.array(FieldError).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Problem = z.infer<typeof Problem>;
