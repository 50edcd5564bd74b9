import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/harness.js';
import { signUp } from '../../../../test/factories.js';
import { Metrics } from '../../../platform/metrics.js';
import { AccessTokens } from './jwt.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { KeyStore } from './keys/key-store.js';
import { generateKey, generateKeyset, type Keyset } from './keys/keyset.js';

const claims = {
  sub: `user:${crypto.randomUUID()}`,
  tenant_id: crypto.randomUUID(),
  role: null,
  scope: 'chat:write',
  sid: crypto.randomUUID(),
  email_verified: true,
};

/** AccessTokens over one Ed25519 key the test can swap (a rotation that retired the old key). */
function tokensWithKey(options: { ttlSeconds?: number; cacheEntries?: number } = {}) {
  const keys = { kid: 'k1', ...crypto.generateKeyPairSync('ed25519') };
  const metrics = new Metrics();
  const tokens = new AccessTokens(
    {
      signingKey: () => ({ kid: keys.kid, key: keys.privateKey }),
      verifyingKey: async (kid) => (kid === keys.kid ? keys.publicKey : undefined),
    },
    { issuer: 'iss', audience: 'aud', ttlSeconds: options.ttlSeconds ?? 300, cacheEntries: options.cacheEntries },
    metrics,
  );
  const results = async () => {
    const text = await metrics.registry.metrics();
    const count = (result: string) =>
      Number(new RegExp(`jwt_verifications_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { valid: count('valid'), cached: count('cached'), invalid: count('invalid') };
  };
  return { keys, tokens, results };
}

describe('VerifiedTokenCache', () => {
  it('returns an entry until its expiry, never at or after it', () => {
    const cache = new VerifiedTokenCache<string>(10);
    const key = crypto.generateKeyPairSync('ed25519').publicKey;
    cache.set('h', { claims: 'c', kid: 'k', key, expiresAtMs: 1000 }, 0);
    expect(cache.get('h', 999)?.claims).toBe('c');
    expect(cache.get('h', 1000)).toBeUndefined();
    // An expired entry is dropped, and an already expired one is not stored.
    expect(cache.size).toBe(0);
    cache.set('late', { claims: 'c', kid: 'k', key, expiresAtMs: 1000 }, 1000);
    expect(cache.size).toBe(0);
  });

  it('is bounded: the least recently used entry goes first', () => {
    const cache = new VerifiedTokenCache<string>(2);
    const key = crypto.generateKeyPairSync('ed25519').publicKey;
    const entry = (claims: string) => ({ claims, kid: 'k', key, expiresAtMs: 10_000 });
    cache.set('a', entry('a'), 0);
    cache.set('b', entry('b'), 0);
    expect(cache.get('a', 1)?.claims).toBe('a'); // a is now the most recent
    cache.set('c', entry('c'), 0);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('a', 1)?.claims).toBe('a');
    expect(cache.get('c', 1)?.claims).toBe('c');
  });
});

describe('AccessTokens with the verified-token cache', () => {
  it('a repeat verification of the same token skips the signature check and returns the same claims', async () => {
    const { tokens, results } = tokensWithKey();
    const { token } = await tokens.sign(claims);
    const first = await tokens.verify(token);
    const second = await tokens.verify(token);
    expect(second).toEqual(first);
    expect(second.sub).toBe(claims.sub);
    expect(await results()).toEqual({ valid: 1, cached: 1, invalid: 0 });
    // The cached claims cannot be changed by a caller.
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('a tampered token is not served from the cache of the genuine one', async () => {
    const { tokens, results } = tokensWithKey();
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'invalid_token' });
    expect((await results()).invalid).toBe(1);
  });

  it('a token whose key was retired is verified again (and refused) instead of answered from the cache', async () => {
    const { keys, tokens, results } = tokensWithKey();
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    keys.kid = 'k2';
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(await results()).toEqual({ valid: 1, cached: 0, invalid: 1 });
  });

  it('an expired token is never served from the cache', async () => {
    const { tokens } = tokensWithKey({ ttlSeconds: 60 });
    // Issued 70 s ago: expired 10 s ago, beyond the 5 s tolerance.
    const { token } = await tokens.sign(claims, new Date(Date.now() - 70_000));
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('cacheEntries 0 turns the cache off', async () => {
    const { tokens, results } = tokensWithKey({ cacheEntries: 0 });
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    await tokens.verify(token);
    expect(await results()).toEqual({ valid: 2, cached: 0, invalid: 0 });
  });
});

describe('KeyStore reloads and the cache', () => {
  /** A key store over an in-memory key set the test replaces, as a rotation by another process would. */
  async function storeOver(initial: Keyset) {
    let stored = initial;
    const store = await KeyStore.open(
      {
        description: 'memory',
        load: async () => stored,
        save: async (k) => {
          stored = k;
        },
      },
      { generateIfMissing: false },
    );
    const replace = (k: Keyset) => {
      stored = k;
    };
    return { store, replace };
  }

  it('a reload of unchanged keys keeps the same key objects, so cached tokens stay cached', async () => {
    const keyset = generateKeyset();
    const { store, replace } = await storeOver(keyset);
    const metrics = new Metrics();
    const tokens = new AccessTokens(store, { issuer: 'iss', audience: 'aud', ttlSeconds: 300 }, metrics);
    const { token } = await tokens.sign(claims);
    const key = await store.verifyingKey(keyset.active.kid);
    await tokens.verify(token);
    replace(JSON.parse(JSON.stringify(keyset)));
    await store.reload();
    expect(await store.verifyingKey(keyset.active.kid)).toBe(key);
    await tokens.verify(token);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/jwt_verifications_total\{result="valid"\} 1/);
    expect(text).toMatch(/jwt_verifications_total\{result="cached"\} 1/);
  });

  it('requests that find the key set stale together share one re-read of the storage', async () => {
    const keyset = generateKeyset();
    let loads = 0;
    const store = await KeyStore.open(
      {
        description: 'memory',
        load: async () => {
          loads++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return keyset;
        },
        save: async () => {},
      },
      { generateIfMissing: false },
    );
    loads = 0;
    // Unknown kids, at once: each may ask for a re-read, but only one goes to the storage.
    await Promise.all([store.reload(), store.reload(), store.verifyingKey('k-unknown'), store.reload()]);
    expect(loads).toBe(1);
    await store.reload();
    expect(loads).toBe(2);
  });

  it('new material under a known kid is a new key: a token cached under the old one is verified again', async () => {
    const keyset = generateKeyset();
    const { store, replace } = await storeOver(keyset);
    const metrics = new Metrics();
    const tokens = new AccessTokens(store, { issuer: 'iss', audience: 'aud', ttlSeconds: 300 }, metrics);
    const { token } = await tokens.sign(claims);
    await tokens.verify(token);
    // The same kid, another key (a key set replaced by hand): the cached verification no longer holds.
    const impostor = { ...generateKey(), kid: keyset.active.kid };
    replace({ ...keyset, active: impostor });
    await store.reload();
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(await metrics.registry.metrics()).toMatch(/jwt_verifications_total\{result="invalid"\} 1/);
  });
});

describe('the revocation check stays on every request', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('a token answered from the cache is refused once its session is logged out', async () => {
    const user = await signUp(t.app);
    const me = () => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: user.headers });
    expect((await me()).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/jwt_verifications_total\{result="cached"\} [1-9]/);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.headers });
    expect(out.statusCode).toBeLessThan(300);
    const after = await me();
    expect([after.statusCode, after.json().code]).toEqual([401, 'invalid_token']);
  });
});
