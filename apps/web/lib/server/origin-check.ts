/**
 * State-changing BFF routes accept only same-origin requests. Cookies are SameSite=Lax, and this
 * closes the remaining gaps (same-site subdomains, older browsers).
 */
export function isSameOrigin(request: Request): boolean {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return true;
  const origin = request.headers.get('origin');
  if (!origin) return false;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function forbiddenOrigin(): Response {
  return Response.json(
    {
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      code: 'forbidden',
      detail: 'Cross-origin request refused.',
    },
    { status: 403, headers: { 'content-type': 'application/problem+json' } },
  );
}
