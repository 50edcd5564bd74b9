import { AppError } from '../../../platform/errors.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

export const PASSWORD_MIN_CHARS = 12;
/** bcrypt reads at most 72 bytes: longer passwords are refused, never silently truncated. */
export const PASSWORD_MAX_BYTES = 72;

/** The reasons a password is refused, as field-error messages (none when acceptable). */
export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN_CHARS) problems.push(`must be at least ${PASSWORD_MIN_CHARS} characters`);
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES)
    problems.push(`must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`);
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) problems.push('is too common');
  if (lower === email.toLowerCase() || lower === email.toLowerCase().split('@')[0])
    problems.push('must not be your e-mail address');
  return problems;
}

/** Throws 422 `validation_failed` (the contract's code for a weak password) with one field error per broken rule. */
export function assertPasswordAcceptable(password: string, email: string, field = 'password'): void {
  const problems = passwordProblems(password, email);
  if (problems.length) {
    throw new AppError('validation_failed', 'The password does not meet the password policy.', {
      errors: problems.map((message) => ({ path: field, message })),
    });
  }
}
