import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { scopeSatisfies, type Scope } from '@agentry/contracts';
import type { Caller } from '../caller.js';
import { AppError } from '../errors.js';

/**
 * How a route is protected, declared in its `config.auth`:
 * `'public'`, `'access'` (any valid access token) or the scope it requires.
 */
export type RouteAuth = 'public' | 'access' | Scope;

/** Verifies a bearer access token; throws AppError 401 codes. Provided by the auth module. */
export interface Authenticator {
  authenticate(token: string): Promise<Caller>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** The caller of a protected route (the guard has run, so it is set). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new AppError('unauthenticated', 'Authentication required.');
  return request.caller;
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * A route as registered, with its declared auth and schemas (the shared protected-routes suite and
 * the route-table drift test walk these).
 */
export interface DeclaredRoute {
  method: string;
  url: string;
  auth: RouteAuth;
  schema: FastifySchema | undefined;
}
const declaredRoutesOf = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** Every route registered on `app` so far, including those added later by any module. */
export function declaredRoutes(app: FastifyInstance): readonly DeclaredRoute[] {
  return declaredRoutesOf.get(app) ?? [];
}

/**
 * Enforces each route's `config.auth` before the body is parsed, so an anonymous caller learns
 * nothing about the schema. Every `/api/` route must declare its auth: a route without it fails
 * at start-up instead of being silently public.
 */
export function installAuthGuard(app: FastifyInstance, authenticator: Authenticator) {
  app.decorateRequest('caller', null);
  const declared: DeclaredRoute[] = [];
  declaredRoutesOf.set(app, declared);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && !route.config?.auth) {
      throw new Error(`route ${route.method} ${route.url} does not declare config.auth`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD')
        declared.push({ method, url: route.url, auth: route.config?.auth ?? 'public', schema: route.schema });
    }
  });
  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config?.auth ?? 'public';
    if (auth === 'public') return;
    const token = bearerToken(request);
    if (!token) throw new AppError('unauthenticated', 'A bearer access token is required.');
    const caller = await authenticator.authenticate(token);
    const headerTenant = request.headers['x-tenant-id'];
    if (headerTenant !== undefined && headerTenant !== caller.tenantId) {
      throw new AppError('tenant_mismatch', 'X-Tenant-Id does not match the token tenant.');
    }
    const pathTenant = (request.params as Record<string, string> | undefined)?.tenant_id;
    if (pathTenant !== undefined && pathTenant !== caller.tenantId) {
      throw new AppError('tenant_mismatch', 'The tenant in the path does not match the token tenant.');
    }
    if (auth !== 'access' && !scopeSatisfies(caller.scopes, auth)) {
      throw new AppError('insufficient_scope', `This endpoint requires the scope ${auth}.`, {
        details: { required_scope: auth },
      });
    }
    request.caller = caller;
  });
}
