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
 * Access tokens already verified, by SHA-256 of the token, until they expire: a client sends the
 * same token on every request for its lifetime, and the EdDSA signature check is the largest cost
 * of authenticating it. Bounded LRU (Map order: the least recently used first). Holds only what a
 * signature check proved; whatever can change during a token's life (its session's revocation, the
 * tenant's suspension, the key set) is checked by the caller on every request.
 */
export class VerifiedTokenCache<C> {
  private readonly entries = new Map<string, VerifiedToken<C>>();

  constructor(private readonly maxEntries: number) {}

  get size() {
    return this.entries.size;
  }

  get(hash: string, nowMs: number): VerifiedToken<C> | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    this.entries.delete(hash);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.entries.set(hash, entry);
    return entry;
  }

  set(hash: string, entry: VerifiedToken<C>, nowMs: number) {
    if (this.maxEntries <= 0 || nowMs >= entry.expiresAtMs) return;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
