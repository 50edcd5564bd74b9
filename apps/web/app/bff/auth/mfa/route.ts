import type { NextRequest } from 'next/server';
import { exchangeForSession } from '@/lib/server/auth-exchange';

export const dynamic = 'force-dynamic';

/** The second step of an MFA login: `{mfa_token, code}` or `{mfa_token, recovery_code}` → session cookies. */
export function POST(request: NextRequest) {
  return exchangeForSession(request, '/api/v1/auth/mfa/challenge');
}
