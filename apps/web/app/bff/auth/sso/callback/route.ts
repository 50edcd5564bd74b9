import type { NextRequest } from 'next/server';
import { ssoCallback } from '@/lib/server/sso';

export const dynamic = 'force-dynamic';

/** Where the API sends the browser back with `?login_code=` (or `?sso_error=`): sets the session cookies. */
export function GET(request: NextRequest) {
  return ssoCallback(request);
}
