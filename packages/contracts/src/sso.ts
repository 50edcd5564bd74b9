import { z } from 'zod';
import { ROLES } from './scopes.js';

/** How an SSO sign-in of someone who is not yet a member is treated (API.md "Single sign-on"). */
export const SSO_PROVISIONING = ['invited', 'domain', 'off'] as const;
export type SsoProvisioning = (typeof SSO_PROVISIONING)[number];

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(253)
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'a domain name such as example.com');

/** `PUT /tenants/current/sso`. */
export const SsoConfigRequest = z.object({
  issuer: z.url().max(500),
  client_id: z.string().trim().min(1).max(500),
  /** Write-only; sealed at rest and never returned. */
  client_secret: z.string().min(1).max(2000),
  allowed_domains: z.array(Domain).max(50).default([]),
  auto_provision: z.enum(SSO_PROVISIONING).default('invited'),
  /** The role `domain` provisioning grants; never `owner`. */
  default_role: z.enum(ROLES).exclude(['owner']).default('member'),
  enforce: z.boolean().default(false),
});
export type SsoConfigRequest = z.infer<typeof SsoConfigRequest>;

export const SsoConfigResponse = z.object({
  issuer: z.string(),
  client_id: z.string(),
  client_secret_set: z.literal(true),
  allowed_domains: z.array(z.string()),
  auto_provision: z.enum(SSO_PROVISIONING),
  default_role: z.enum(ROLES),
  enforce: z.boolean(),
  /** The callback URL to register at the identity provider. */
  redirect_uri: z.string(),
  updated_at: z.string(),
});
export type SsoConfigResponse = z.infer<typeof SsoConfigResponse>;

export const SsoStartParams = z.object({ tenant_slug: z.string().min(1).max(100) });
export const SsoStartQuery = z.object({ redirect_uri: z.url().max(2000) });
export const SsoCallbackQuery = z.object({
  code: z.string().max(4000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  iss: z.string().max(500).optional(),
});
export const SsoExchangeRequest = z.object({ login_code: z.string().min(1).max(200) });

/** Extension: `GET /auth/sso/lookup?email=` finds the tenant whose SSO claims the address's domain. */
export const SsoLookupQuery = z.object({ email: z.email().max(320) });
export const SsoLookupResponse = z.object({ tenant_slug: z.string() });

/** The `sso_error` codes the callback may send back to the web app. */
export const SSO_ERRORS = [
  'invalid_state',
  'idp_error',
  'token_exchange_failed',
  'invalid_id_token',
  'email_not_verified',
  'not_allowed',
  'seat_limit_reached',
  'account_unavailable',
  'sso_not_configured',
] as const;
export type SsoErrorCode = (typeof SSO_ERRORS)[number];
