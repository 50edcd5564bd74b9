import { keyedHash } from '../../../platform/crypto.js';
import type { Ports } from '../../../platform/ports/index.js';

/**
 * Per-account lockout: `threshold` failed logins within `windowSeconds` lock the account for
 * `durationSeconds` (423). Keyed by a keyed hash of the normalised e-mail, so unknown e-mails lock
 * the same way as real ones (nothing to learn from the 423) and the store never holds an address.
 * Lives in the shared store, so every replica sees the same count.
 */
export class LoginLockout {
  constructor(
    private readonly ports: Ports,
    private readonly options: { threshold: number; windowSeconds: number; durationSeconds: number; pepper: string },
  ) {}

  /** The key under which lockout counts and login events are kept for an e-mail (never the address). */
  accountKey(email: string): string {
    return keyedHash(this.options.pepper, `email:${email.trim().toLowerCase()}`);
  }

  /** Seconds until the lock ends, or null when not locked. */
  async lockedFor(accountKey: string): Promise<number | null> {
    const ttl = await this.ports.kv.ttlMs(`auth:lockout:locked:${accountKey}`);
    if (ttl === -2) return null;
    return ttl < 0 ? this.options.durationSeconds : Math.max(1, Math.ceil(ttl / 1000));
  }

  /** Counts a failure; returns true when this failure locked the account. */
  async recordFailure(accountKey: string): Promise<boolean> {
    const { value } = await this.ports.counters.increment(`auth:lockout:failures:${accountKey}`, {
      ttlSeconds: this.options.windowSeconds,
    });
    if (value < this.options.threshold) return false;
    await this.ports.kv.set(`auth:lockout:locked:${accountKey}`, '1', { ttlSeconds: this.options.durationSeconds });
    await this.ports.counters.reset(`auth:lockout:failures:${accountKey}`);
    return true;
  }

  /** After a successful login or a password reset. */
  async clear(accountKey: string): Promise<void> {
    await this.ports.counters.reset(`auth:lockout:failures:${accountKey}`);
    await this.ports.kv.delete(`auth:lockout:locked:${accountKey}`);
  }
}
