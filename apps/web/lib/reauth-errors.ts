/**
 * The 401 codes that are about what the person typed for one action — the password or the second
 * factor asked again before a sensitive action (password or e-mail change, account deletion,
 * turning two-step verification off) — and not about the session. The BFF must not answer them by
 * refreshing the session and sending the request again (that would be a second guess counted into
 * the lockout), and the browser must not answer them by going to /login: the form shows them.
 */
export const REAUTH_ERROR_CODES: readonly string[] = ['invalid_credentials', 'invalid_mfa_code', 'mfa_required'];

export function isReauthError(code: string | null | undefined): boolean {
  return !!code && REAUTH_ERROR_CODES.includes(code);
}
