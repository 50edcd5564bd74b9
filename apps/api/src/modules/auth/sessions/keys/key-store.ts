import crypto from 'node:crypto';
import { generateKeyset, publicJwk, verifyingKeys, type Keyset, type PublicJwk } from './keyset.js';
import type { KeysetStorage } from './keyset-storage.js';

/** How often a running server re-reads the key set, so a rotation by the CLI reaches every replica. */
const RELOAD_INTERVAL_MS = 30_000;
/** An unknown `kid` triggers at most one re-read per this interval (it may be a freshly rotated key). */
const UNKNOWN_KID_RELOAD_MS = 5_000;

export interface Jwks {
  body: { keys: PublicJwk[] };
  /** Strong ETag over the exact body. */
  etag: string;
  lastModified: Date;
}

/**
 * The key set in memory: the active signing key, every verifying key by `kid`, and the JWKS. It
 * re-reads its storage now and then, so `agentry keys rotate` takes effect without a restart.
 */
export class KeyStore {
  private keyset!: Keyset;
  private byKid = new Map<string, crypto.KeyObject>();
  private signing!: { kid: string; key: crypto.KeyObject };
  private jwksCache!: Jwks;
  private loadedAt = 0;
  private lastUnknownKidReload = 0;
  /** The re-read under way: requests that find the set stale together share it (no stampede on storage). */
  private reloading: Promise<void> | undefined;

  private constructor(private readonly storage: KeysetStorage) {}

  /** Opens the store; generates and saves a new key set when none exists and `generateIfMissing`. */
  static async open(storage: KeysetStorage, options: { generateIfMissing: boolean }): Promise<KeyStore> {
    const store = new KeyStore(storage);
    let keyset = await storage.load();
    if (!keyset) {
      if (!options.generateIfMissing) throw new Error(`no signing key set in ${storage.description}`);
      keyset = generateKeyset();
      await storage.save(keyset);
    }
    store.install(keyset);
    return store;
  }

  get description() {
    return this.storage.description;
  }

  current(): Keyset {
    return this.keyset;
  }

  signingKey(): { kid: string; key: crypto.KeyObject } {
    return this.signing;
  }

  /** The public key for `kid`, re-reading the storage once if it is unknown. */
  async verifyingKey(kid: string): Promise<crypto.KeyObject | undefined> {
    await this.reloadIfStale();
    const known = this.byKid.get(kid);
    if (known) return known;
    const now = Date.now();
    if (now - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_MS) return undefined;
    this.lastUnknownKidReload = now;
    await this.reload();
    return this.byKid.get(kid);
  }

  async jwks(): Promise<Jwks> {
    await this.reloadIfStale();
    return this.jwksCache;
  }

  /** Re-reads the storage now (after a rotation in this process, or when asked). */
  reload(): Promise<void> {
    this.reloading ??= this.storage
      .load()
      .then((keyset) => {
        if (keyset) this.install(keyset);
      })
      .finally(() => {
        this.reloading = undefined;
      });
    return this.reloading;
  }

  private async reloadIfStale() {
    if (Date.now() - this.loadedAt > RELOAD_INTERVAL_MS) await this.reload();
  }

  private install(keyset: Keyset) {
    // A key already imported is kept as the same object: the verified-token cache trusts an entry
    // only while its kid still maps to the very key that verified it, so re-importing unchanged
    // keys at every reload would throw that cache away every RELOAD_INTERVAL_MS.
    const byKid = new Map<string, crypto.KeyObject>();
    for (const k of verifyingKeys(keyset)) {
      const known = this.byKid.get(k.kid);
      const x = (known?.export({ format: 'jwk' }) as { x?: string } | undefined)?.x;
      byKid.set(
        k.kid,
        known && x === k.jwk.x
          ? known
          : crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.jwk.x }, format: 'jwk' }),
      );
    }
    const body = { keys: verifyingKeys(keyset).map(publicJwk) };
    const etag = `"${crypto.createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
    const lastModified = new Date(Math.floor(Date.parse(keyset.updated_at) / 1000) * 1000);
    this.keyset = keyset;
    this.byKid = byKid;
    this.signing = { kid: keyset.active.kid, key: crypto.createPrivateKey({ key: keyset.active.jwk, format: 'jwk' }) };
    this.jwksCache = { body, etag, lastModified };
    this.loadedAt = Date.now();
  }
}
