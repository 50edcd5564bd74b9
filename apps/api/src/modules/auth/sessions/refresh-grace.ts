import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { keyedHash } from '../../../platform/crypto.js';
import type { Ports } from '../../../platform/ports/index.js';

/**
 * The grace window of refresh-token rotation (docs/security/threat-model.md, "Concurrent refresh").
 *
 * A refresh token is single use, and presenting a used one is reuse: the session is revoked. But a
 * browser fires several requests at once, and the web app runs on several replicas: N requests with
 * the same cookie reach N API replicas. Within `graceSeconds` of its first use, a refresh token is
 * therefore redeemable again and answers the SAME successor (one family, one new refresh token):
 *
 * - the first presenter claims the token in the key-value port (set-if-absent, every replica sees
 *   it), rotates it in the database, and stores its answer there for `graceSeconds`;
 * - a concurrent or slightly later presenter finds the claim, waits for the stored answer (briefly
 *   polling: the winner may still be in its transaction) and returns it;
 * - after the window the claim and the answer are gone, the database says "rotated", and the
 *   presenter is treated as a replay: the whole session is revoked, as before.
 *
 * The stored answer holds a live refresh token, so it is sealed (AES-256-GCM) with a key derived from
 * the presented token, which the server never stores: a dump of the store alone opens nothing. Its
 * key-value key is a keyed hash of the token, unrelated to the database's.
 */
export class RefreshGrace {
  constructor(
    private readonly deps: { ports: Ports; pepper: string; graceSeconds: number; waitMs?: number; pollMs?: number },
  ) {}

  get enabled() {
    return this.deps.graceSeconds > 0;
  }

  /** True when this presenter is the first within the window (it rotates and then `remember`s). */
  async claim(refreshToken: string): Promise<boolean> {
    if (!this.enabled) return true;
    return this.deps.ports.kv.set(this.key('claim', refreshToken), '1', {
      ttlSeconds: this.deps.graceSeconds,
      ifNotExists: true,
    });
  }

  /** Stores the successor answered for `refreshToken`, sealed, for the rest of the window. */
  async remember(refreshToken: string, answer: unknown): Promise<void> {
    if (!this.enabled) return;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(refreshToken), iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
    const value = Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
    await this.deps.ports.kv.set(this.key('answer', refreshToken), value, { ttlSeconds: this.deps.graceSeconds });
  }

  /** The claimer failed: let the next presenter try for itself (it will get the same failure or succeed). */
  async release(refreshToken: string): Promise<void> {
    if (!this.enabled) return;
    await this.deps.ports.kv.delete(this.key('claim', refreshToken));
  }

  /**
   * The successor another presenter got for `refreshToken`, waiting up to `waitMs` for it to be
   * stored; null when none appears (the claimer failed, or the window is over).
   */
  async awaitAnswer<T>(refreshToken: string): Promise<T | null> {
    const deadline = Date.now() + (this.deps.waitMs ?? 5000);
    const key = this.key('answer', refreshToken);
    for (;;) {
      const value = await this.deps.ports.kv.get(key);
      if (value) return this.open<T>(refreshToken, value);
      // The claimer released the claim (it failed): stop waiting.
      if ((await this.deps.ports.kv.get(this.key('claim', refreshToken))) === null) return null;
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, this.deps.pollMs ?? 20));
    }
  }

  private open<T>(refreshToken: string, value: string): T | null {
    try {
      const raw = Buffer.from(value, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(refreshToken), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
    } catch {
      return null;
    }
  }

  private key(kind: 'claim' | 'answer', refreshToken: string) {
    return `auth:refresh:grace:${kind}:${keyedHash(this.deps.pepper, `refresh-grace:${refreshToken}`)}`;
  }

  private sealKey(refreshToken: string): Buffer {
    return createHmac('sha256', this.deps.pepper).update(`refresh-grace-seal:${refreshToken}`).digest();
  }
}
