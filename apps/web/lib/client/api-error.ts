import { Problem, type ErrorCode } from '@agentry/contracts';

/** A failed BFF call, carrying the API's problem details when it sent them. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode | 'network_error' | 'unknown';
  readonly fieldErrors: Record<string, string>;
  /** Seconds to wait before retrying (429 `Retry-After`). */
  readonly retryAfter: number | null;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, retryAfter: number | null, fallback?: string) {
    super(problem?.detail ?? problem?.title ?? fallback ?? `Request failed (${status})`);
    this.status = status;
    this.problem = problem;
    this.code = problem?.code ?? (status === 0 ? 'network_error' : 'unknown');
    this.retryAfter = retryAfter;
    this.fieldErrors = {};
    for (const e of problem?.errors ?? []) {
      // `body.email` and `/email` both name the field `email`.
      const field =
        e.path
          .replace(/^\/?(body\.)?/, '')
          .replace(/^\//, '')
          .split(/[./]/)[0] ?? e.path;
      if (!(field in this.fieldErrors)) this.fieldErrors[field] = e.message;
    }
    // Some codes are about one field even without an `errors` list: show them next to it.
    if (problem?.code === 'email_taken')
      if (!this.fieldErrors.email) this.fieldErrors.email = 'An account with this email already exists.';
  }

  static async fromResponse(res: Response): Promise<ApiError> {
    let problem: Problem | null = null;
    try {
      const parsed = Problem.safeParse(await res.json());
      if (parsed.success) problem = parsed.data;
    } catch {
      // Not JSON: keep the status only.
    }
    const header = res.headers.get('retry-after');
    const retryAfter = header && /^\d+$/.test(header) ? Number(header) : null;
    return new ApiError(res.status, problem, retryAfter);
  }
}

/** A sentence a person can act on, for the codes people actually meet. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : 'Something went wrong.';
  switch (error.code) {
    case 'network_error':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'rate_limited':
      return error.retryAfter
        ? `Too many requests. Try again in ${error.retryAfter}s.`
        : 'Too many requests. Try again shortly.';
    case 'usage_limit_exceeded':
      return 'Your plan’s usage limit is reached. Upgrade on the Billing page to keep going.';
    case 'invalid_credentials':
      return 'That email and password do not match.';
    case 'account_locked':
      return 'Too many failed attempts: the account is locked for a while. Try again later or reset your password.';
    case 'email_taken':
      return 'An account with this email already exists. Sign in instead?';
    case 'billing_disabled':
      return 'Billing is not configured on this server.';
    case 'tenant_suspended':
      return 'This workspace is suspended. Contact support to restore access.';
    case 'insufficient_scope':
      return 'Your role does not allow this.';
    case 'bad_gateway':
      return 'The API server is not answering. Is it running?';
    default:
      return error.message;
  }
}
