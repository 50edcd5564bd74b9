import { ERROR_STATUS, type ErrorCode } from '@agentry/contracts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export interface AppErrorOptions {
  cause?: unknown;
  /** Field errors, only for validation failures. */
  errors?: { path: string; message: string }[];
  /** Extra machine-readable context, sent as the problem's `details`. */
  details?: Record<string, unknown>;
  /** Response headers to add (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  /**
   * Overrides the code's usual status, for the few places API.md pairs a code with another status
   * (`400 invalid_token` for single-use e-mail tokens, where 401 would tell the browser to re-login).
   */
  status?: number;
}

/** The one error type of the API. Its code decides the status; the handler turns it into a problem. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly errors?: AppErrorOptions['errors'];
  readonly details?: AppErrorOptions['details'];
  readonly headers?: AppErrorOptions['headers'];

  constructor(
    readonly code: ErrorCode,
    detail?: string,
    options: AppErrorOptions = {},
  ) {
    super(detail ?? code, { cause: options.cause });
    this.status = options.status ?? ERROR_STATUS[code];
    this.errors = options.errors;
    this.details = options.details;
    this.headers = options.headers;
  }

  get title(): string {
    return TITLES[this.status] ?? 'Error';
  }
}

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}
