import type crypto from 'node:crypto';

/** One verified token: its claims, the key that verified it, and when it expires. */
export interface VerifiedToken<C> {
  claims: C;
  kid: string;
  key: crypto.KeyObject;
  /** `exp` in ms: the entry is never used at or after it. */
  expiresAtMs: number;
}

/**
 * Access tokens already verified, keyed by the token itself, until they expire: a client sends the
 * same token on every request for its lifetime, and the EdDSA signature check is the largest cost
 * of authenticating it. Bounded LRU (Map order: the least recently used first). Holds only what a
 * signature check proved; whatever can change during a token's life (its session's revocation, the
 * tenant's suspension, the key set) is checked by the caller on every request.
 *
 * Keyed by the token string, not a digest of it: the lookup is the Map's own string hash (no
 * SHA-256 per request). Only tokens whose signature verified are stored, so every key is a token
 * this API signed (~0.5–1 KB: its claims; a service account's scopes are the longest part), and
 * the map holds at most `maxEntries` of them (10,000 by default: under ~10–20 MB with the claims,
 * which were kept already). The tokens are kept in memory until they expire, at most the access
 * token's lifetime; whoever can read this process's heap can read the signing key beside them, so
 * that gives nothing a digest would have kept from them.
 */
export class VerifiedTokenCache<C> {
  private readonly entries = new Map<string, VerifiedToken<C>>();

  constructor(private readonly maxEntries: number) {}

  get size() {
    return this.entries.size;
  }

  get(token: string, nowMs: number): VerifiedToken<C> | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.entries.set(token, entry);
    return entry;
  }

  set(token: string, entry: VerifiedToken<C>, nowMs: number) {
    if (this.maxEntries <= 0 || nowMs >= entry.expiresAtMs) return;
    this.entries.delete(token);
    this.entries.set(token, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
