import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errors as joseErrors, jwtVerify } from 'jose';
import { JwtRejected, verifyEdDsaJwt, type JwtRules } from './eddsa-jwt.js';

const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const other = crypto.generateKeyPairSync('ed25519');
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys: Record<string, crypto.KeyObject> = { k1: publicKey, rsa: rsa.publicKey };
const keyFor = async (kid: string) => keys[kid];
const rules: JwtRules = {
  issuer: 'iss',
  audience: 'aud',
  typ: 'at+jwt',
  clockToleranceSeconds: 5,
  requiredClaims: ['sub', 'jti', 'iat', 'nbf', 'exp'],
};

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const goodHeader = { alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' };
const goodClaims = () => ({
  iss: 'iss',
  aud: 'aud',
  sub: 'user:1',
  jti: 'j',
  iat: now(),
  nbf: now(),
  exp: now() + 300,
  token_use: 'access',
});

/** A compact JWS of exactly these header and claims, signed with `key` over the encoded parts. */
function craft(header: unknown, claims: unknown, key: crypto.KeyObject = privateKey) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${crypto.sign(null, Buffer.from(input), key).toString('base64url')}`;
}

type Outcome = 'ok' | 'expired' | 'invalid';

async function byJose(token: string): Promise<Outcome> {
  try {
    await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? await keyFor(header.kid) : undefined;
        if (!key) throw new Error('unknown kid');
        return key;
      },
      {
        algorithms: ['EdDSA'],
        issuer: rules.issuer,
        audience: rules.audience,
        typ: rules.typ,
        clockTolerance: rules.clockToleranceSeconds,
        requiredClaims: [...rules.requiredClaims],
      },
    );
    return 'ok';
  } catch (err) {
    return err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
  }
}

async function byUs(token: string): Promise<Outcome> {
  try {
    await verifyEdDsaJwt(token, keyFor, rules);
    return 'ok';
  } catch (err) {
    if (!(err instanceof JwtRejected)) throw err;
    return err.reason === 'expired' ? 'expired' : 'invalid';
  }
}

const valid = craft(goodHeader, goodClaims());
const [h, p, s] = valid.split('.');
const cases: [string, () => string, Outcome][] = [
  ['a valid token', () => valid, 'ok'],
  [
    'typ with application/ and in capitals',
    () => craft({ ...goodHeader, typ: 'application/AT+JWT' }, goodClaims()),
    'ok',
  ],
  ['aud as an array holding the audience', () => craft(goodHeader, { ...goodClaims(), aud: ['x', 'aud'] }), 'ok'],
  ['expired within the tolerance', () => craft(goodHeader, { ...goodClaims(), exp: now() - 2 }), 'ok'],
  ['expired', () => craft(goodHeader, { ...goodClaims(), exp: now() - 60 }), 'expired'],
  ['not yet valid', () => craft(goodHeader, { ...goodClaims(), nbf: now() + 60 }), 'invalid'],
  [
    'expired and not yet valid',
    () => craft(goodHeader, { ...goodClaims(), nbf: now() + 60, exp: now() - 60 }),
    'invalid',
  ],
  ['expired with a wrong issuer', () => craft(goodHeader, { ...goodClaims(), iss: 'x', exp: now() - 60 }), 'invalid'],
  ['another issuer', () => craft(goodHeader, { ...goodClaims(), iss: 'x' }), 'invalid'],
  ['another audience', () => craft(goodHeader, { ...goodClaims(), aud: ['x'] }), 'invalid'],
  ['no jti', () => craft(goodHeader, { ...goodClaims(), jti: undefined }), 'invalid'],
  ['no iss', () => craft(goodHeader, { ...goodClaims(), iss: undefined }), 'invalid'],
  ['exp as a string', () => craft(goodHeader, { ...goodClaims(), exp: String(now() + 300) }), 'invalid'],
  ['iat as a string', () => craft(goodHeader, { ...goodClaims(), iat: 'now' }), 'invalid'],
  ['claims set is an array', () => craft(goodHeader, [goodClaims()]), 'invalid'],
  ['claims set is not JSON', () => craft(goodHeader, 'not json'), 'invalid'],
  ['header is an array', () => craft([goodHeader], goodClaims()), 'invalid'],
  ['no typ', () => craft({ alg: 'EdDSA', kid: 'k1' }, goodClaims()), 'invalid'],
  ['typ JWT', () => craft({ ...goodHeader, typ: 'JWT' }, goodClaims()), 'invalid'],
  ['alg Ed25519 (not pinned)', () => craft({ ...goodHeader, alg: 'Ed25519' }, goodClaims()), 'invalid'],
  ['alg none', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${p}.`, 'invalid'],
  [
    'HS256 with the public key as secret',
    () => {
      const input = `${b64({ ...goodHeader, alg: 'HS256' })}.${p}`;
      const secret = publicKey.export({ format: 'der', type: 'spki' });
      return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
    'invalid',
  ],
  ['crit header', () => craft({ ...goodHeader, crit: ['exp'] }, goodClaims()), 'invalid'],
  ['b64 false', () => craft({ ...goodHeader, b64: false, crit: ['b64'] }, goodClaims()), 'invalid'],
  ['no kid', () => craft({ alg: 'EdDSA', typ: 'at+jwt' }, goodClaims()), 'invalid'],
  ['unknown kid', () => craft({ ...goodHeader, kid: 'k9' }, goodClaims()), 'invalid'],
  ['a kid whose key is RSA', () => craft({ ...goodHeader, kid: 'rsa' }, goodClaims()), 'invalid'],
  ['signed by another key under the same kid', () => craft(goodHeader, goodClaims(), other.privateKey), 'invalid'],
  ['tampered payload', () => `${h}.${b64({ ...goodClaims(), sub: 'user:2' })}.${s}`, 'invalid'],
  ['tampered signature', () => `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`, 'invalid'],
  ['truncated signature', () => `${h}.${p}.${s.slice(0, 40)}`, 'invalid'],
  ['four segments', () => `${valid}.${s}`, 'invalid'],
  ['two segments', () => `${h}.${p}`, 'invalid'],
  ['garbage', () => 'not-a-token', 'invalid'],
  ['empty', () => '', 'invalid'],
];

describe('verifyEdDsaJwt agrees with jose jwtVerify', () => {
  it.each(cases)('%s', async (_name, make, expected) => {
    const token = make();
    expect(await byJose(token)).toBe(expected);
    expect(await byUs(token)).toBe(expected);
  });

  it('returns the claims and the key that verified them', async () => {
    const result = await verifyEdDsaJwt(valid, keyFor, rules);
    expect(result.kid).toBe('k1');
    expect(result.key).toBe(publicKey);
    expect(result.payload).toMatchObject({ sub: 'user:1', token_use: 'access' });
  });

  it('refuses padded or non-base64url segments jose might decode', async () => {
    await expect(verifyEdDsaJwt(`${h}=.${p}.${s}`, keyFor, rules)).rejects.toThrow(JwtRejected);
    await expect(verifyEdDsaJwt(`${h}.${p}.${s.slice(0, -1)}+`, keyFor, rules)).rejects.toThrow(JwtRejected);
  });

  it('refuses every non-canonical spelling of a valid signature (the last character carries 4 unused bits)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spellings = [...alphabet]
      .map((c) => `${s.slice(0, -1)}${c}`)
      .filter((sig) => Buffer.from(sig, 'base64url').equals(Buffer.from(s, 'base64url')));
    expect(spellings).toHaveLength(16); // the decoder takes all 16 as the same 64 bytes
    for (const sig of spellings) {
      const outcome = byUs(`${h}.${p}.${sig}`);
      expect(await outcome).toBe(sig === s ? 'ok' : 'invalid');
    }
  });
});
