import type { NextRequest } from 'next/server';
import { ssoStart } from '@/lib/server/sso';

export const dynamic = 'force-dynamic';

/** `?slug=` or `?email=` (looked up): redirects to the tenant's identity provider. */
export function GET(request: NextRequest) {
  return ssoStart(request);
}
