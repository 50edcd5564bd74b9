import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  SessionResponse,
  SsoCallbackQuery,
  SsoConfigRequest,
  SsoConfigResponse,
  SsoExchangeRequest,
  SsoLookupQuery,
  SsoLookupResponse,
  SsoStartParams,
  SsoStartQuery,
} from '@agentry/contracts';
import { callerOf } from '../../../platform/http/auth-guard.js';
import { clientInfo } from '../sessions/client-info.js';
import type { SsoConfigService } from './sso-config.service.js';
import type { SsoSignIn } from './sso-sign-in.service.js';

/** `/api/v1/tenants/current/sso` (configuration) and `/api/v1/auth/sso/*` (the sign-in). */
export function ssoRoutes(configs: SsoConfigService, signIn: SsoSignIn): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];

    app.put(
      '/api/v1/tenants/current/sso',
      {
        config: { auth: 'tenant:manage' },
        schema: {
          tags,
          summary: "Configure the tenant's OpenID Connect provider (the discovery document is fetched on save)",
          description: '422 `validation_failed` (path `issuer`) when the discovery document cannot be fetched.',
          body: SsoConfigRequest,
          response: { 200: SsoConfigResponse },
        },
      },
      async (request) => configs.saveConfig(callerOf(request), request.body),
    );

    app.get(
      '/api/v1/tenants/current/sso',
      {
        config: { auth: 'tenant:manage' },
        schema: {
          tags,
          summary: "The tenant's single sign-on configuration (never the client secret)",
          response: { 200: SsoConfigResponse },
        },
      },
      async (request) => configs.getConfig(callerOf(request)),
    );

    app.delete(
      '/api/v1/tenants/current/sso',
      { config: { auth: 'tenant:manage' }, schema: { tags, summary: 'Remove single sign-on' } },
      async (request, reply) => {
        await configs.deleteConfig(callerOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v1/auth/sso/lookup',
      {
        config: { auth: 'public', rateLimit: ['login_per_ip'] },
        schema: {
          tags,
          summary: 'Extension: the tenant slug whose single sign-on claims the address’s domain (404 none)',
          querystring: SsoLookupQuery,
          response: { 200: SsoLookupResponse },
        },
      },
      async (request) => configs.lookup(request.query.email),
    );

    app.get(
      '/api/v1/auth/sso/:tenant_slug/start',
      {
        config: { auth: 'public', rateLimit: ['login_per_ip'] },
        schema: {
          tags,
          summary: "302 to the tenant's identity provider (code flow with state, nonce and PKCE S256)",
          description: '400 when redirect_uri is not on an allowed web origin; 404 when the tenant has no SSO.',
          params: SsoStartParams,
          querystring: SsoStartQuery,
        },
      },
      async (request, reply) => {
        const url = await signIn.start(request.params.tenant_slug, request.query.redirect_uri);
        return reply.header('cache-control', 'no-store').redirect(url, 302);
      },
    );

    app.get(
      '/api/v1/auth/sso/callback',
      {
        config: { auth: 'public', rateLimit: ['login_per_ip'] },
        schema: {
          tags,
          summary: "The identity provider's redirect: 302 to the start's redirect_uri with ?login_code= or ?sso_error=",
          querystring: SsoCallbackQuery,
        },
      },
      async (request, reply) => {
        const url = await signIn.callback(request.query, new URL(request.url, 'http://callback.invalid'));
        return reply.header('cache-control', 'no-store').redirect(url, 302);
      },
    );

    app.post(
      '/api/v1/auth/sso/exchange',
      {
        config: { auth: 'public', rateLimit: ['login_per_ip'] },
        schema: {
          tags,
          summary: 'Trade a login code (one use, 60 s) for a session',
          description: '400 `invalid_token` when the code is unknown, used or expired.',
          body: SsoExchangeRequest,
          response: { 200: SessionResponse },
        },
      },
      async (request) => signIn.exchange(request.body.login_code, clientInfo(request)) as Promise<SessionResponse>,
    );
  };
}
