import crypto from 'node:crypto';
import { hash as bcryptHash, verify as bcryptVerify } from '@node-rs/bcrypt';
import type { Metrics } from '../../../platform/metrics.js';

/**
 * Password storage: bcrypt (async, on libuv's thread pool), then a server-side pepper.
 *
 * Why encryption and not an HMAC for the pepper: OWASP's password-storage guidance allows either
 * "hash then HMAC" or "hash then encrypt". An HMAC over the bcrypt output cannot be checked on
 * login — bcrypt verification needs the stored hash itself (its salt and cost), and an HMAC is
 * one-way — so it would force pre-hashing the password with the pepper instead, which is what makes
 * bcrypt drop bytes past 72. Encrypting the bcrypt result with AES-256-GCM keyed from the pepper
 * keeps the password going into bcrypt untouched (the policy caps it at 72 UTF-8 bytes, so nothing is
 * ever truncated), makes a stolen database useless without the pepper, and lets the pepper rotate:
 * the stored value is `v<version>$<iv>.<ciphertext>.<tag>` and a login with an older version
 * re-encrypts under the current one.
 */
export class PasswordHasher {
  private readonly peppers = new Map<number, Buffer>();
  private readonly comparisons;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly options: {
      cost: number;
      pepper: string;
      pepperVersion: number;
      previousPeppers: Record<string, string>;
    },
    metrics: Metrics,
  ) {
    for (const [version, pepper] of Object.entries(options.previousPeppers))
      this.peppers.set(Number(version), deriveKey(pepper));
    this.peppers.set(options.pepperVersion, deriveKey(options.pepper));
    this.comparisons = metrics.counter('auth_password_comparisons_total', 'bcrypt comparisons run, by outcome', [
      'result',
    ]);
  }

  async hash(password: string): Promise<string> {
    const bcrypted = await bcryptHash(password, this.options.cost);
    return this.encrypt(bcrypted);
  }

  /** Whether `password` matches `stored`, and whether `stored` should be re-written (old pepper or cost). */
  async verify(password: string, stored: string): Promise<{ ok: boolean; needsRehash: boolean }> {
    const parsed = this.decrypt(stored);
    if (!parsed) {
      // Still spend one bcrypt comparison so a corrupt row does not answer faster.
      await this.verifyDummy(password);
      return { ok: false, needsRehash: false };
    }
    const ok = await bcryptVerify(password, parsed.bcrypted);
    this.comparisons.inc({ result: ok ? 'match' : 'mismatch' });
    const cost = Number(parsed.bcrypted.split('$')[2]);
    return { ok, needsRehash: ok && (parsed.version !== this.options.pepperVersion || cost !== this.options.cost) };
  }

  /** One bcrypt comparison against a hash nobody's password matches: used for unknown e-mails. */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= bcryptHash(crypto.randomBytes(24).toString('base64url'), this.options.cost);
    await bcryptVerify(password, await this.dummyHash);
    this.comparisons.inc({ result: 'dummy' });
  }

  private encrypt(bcrypted: string): string {
    const key = this.peppers.get(this.options.pepperVersion)!;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(bcrypted, 'utf8'), cipher.final()]);
    return `v${this.options.pepperVersion}$${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  private decrypt(stored: string): { version: number; bcrypted: string } | null {
    const m = /^v(\d+)\$([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(stored);
    if (!m) return null;
    const version = Number(m[1]);
    const key = this.peppers.get(version);
    if (!key) return null;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(m[2], 'base64url'));
      decipher.setAuthTag(Buffer.from(m[4], 'base64url'));
      const bcrypted = Buffer.concat([decipher.update(Buffer.from(m[3], 'base64url')), decipher.final()]).toString(
        'utf8',
      );
      return { version, bcrypted };
    } catch {
      return null; // wrong pepper or tampered value: treated as a mismatch
    }
  }
}

/** A 256-bit AES key from the configured pepper string (HKDF, so any length of pepper works). */
function deriveKey(pepper: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', pepper, Buffer.alloc(0), 'agentry password pepper v1', 32));
}
