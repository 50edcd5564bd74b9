import * as oidc from 'openid-client';
import { createRemoteJWKSet, customFetch } from 'jose';
import { keyedHash } from '../../../platform/crypto.js';
import type { GuardedFetch } from '../../../platform/ssrf.js';

const DISCOVERY_CACHE_MS = 5 * 60_000;
const DISCOVERY_TIMEOUT_S = 10;

/**
 * The tenants' identity providers as seen from here: their discovery documents (cached five minutes
 * per issuer, client and secret) and their key sets. Every request to an issuer (discovery, JWKS,
 * token, UserInfo) goes through the SSRF guard: the issuer is named by a tenant owner, and its
 * discovery document names the other URLs.
 */
export class OidcIssuers {
  private readonly discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(private readonly options: { allowInsecure: boolean; fetch: GuardedFetch }) {}

  /** The issuer's configuration for this client; `fresh` skips the cache (saving a configuration). */
  discover(issuer: string, clientId: string, secret: string, options: { fresh?: boolean } = {}) {
    const key = `${issuer}\n${clientId}\n${keyedHash('sso', secret)}`;
    const cached = this.discovered.get(key);
    if (!options.fresh && cached && Date.now() - cached.at < DISCOVERY_CACHE_MS) return cached.config;
    const config = oidc.discovery(new URL(issuer), clientId, { client_secret: secret }, oidc.ClientSecretPost(secret), {
      execute: this.options.allowInsecure ? [oidc.allowInsecureRequests] : [],
      timeout: DISCOVERY_TIMEOUT_S,
      // Kept by the configuration: the token and UserInfo requests go through the guard too.
      [oidc.customFetch]: this.options.fetch as oidc.CustomFetch,
    });
    this.discovered.set(key, { at: Date.now(), config });
    config.catch(() => this.discovered.delete(key));
    return config;
  }

  /** The issuer's published keys, fetched (through the guard) and refreshed by jose as needed. */
  jwks(uri: string) {
    let set = this.keySets.get(uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, [customFetch]: this.options.fetch });
      this.keySets.set(uri, set);
    }
    return set;
  }
}
