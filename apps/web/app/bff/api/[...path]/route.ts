import type { NextRequest } from 'next/server';
import { forwardToApi } from '@/lib/server/api-forward';
import { forbiddenOrigin, isSameOrigin } from '@/lib/server/origin-check';

export const dynamic = 'force-dynamic';

/**
 * Routes whose responses carry tokens or that change the cookie session: they have their own
 * BFF handlers (/bff/auth/*) so a token never reaches the browser.
 */
const RESERVED = new Set([
  'auth/token',
  'auth/register',
  'auth/refresh',
  'auth/logout',
  'auth/logout/all',
  'auth/service-accounts/issue',
]);

type Context = { params: Promise<{ path: string[] }> };

async function handle(request: NextRequest, { params }: Context): Promise<Response> {
  if (!isSameOrigin(request)) return forbiddenOrigin();
  const { path } = await params;
  const joined = path.map(encodeURIComponent).join('/');
  if (RESERVED.has(path.join('/')) || path.some((p) => p === '..' || p === '.')) {
    return Response.json({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' }, { status: 404 });
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return forwardToApi(request, {
    apiPath: `/api/v1/${joined}`,
    search: request.nextUrl.search,
    method: request.method,
    body: hasBody ? await request.arrayBuffer() : undefined,
  });
}

export { handle as GET, handle as POST, handle as PATCH, handle as PUT, handle as DELETE };
