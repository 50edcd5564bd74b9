import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  matchTotp,
  otpauthUrl,
  timeStep,
  totpCode,
} from './totp.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; 8-digit codes.
const SEED = Buffer.from('12345678901234567890');
const RFC6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('RFC 6238 TOTP', () => {
  it.each(RFC6238_SHA1)('test vector T=%i → %s (SHA-1, 8 digits)', (time, code) => {
    expect(hotp(SEED, timeStep(time), 8)).toBe(code);
  });

  it('RFC 4226 appendix D HOTP values (6 digits)', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(expected.map((_, counter) => hotp(SEED, counter))).toEqual(expected);
  });

  it('6-digit codes are the low digits of the vectors, through the base32 secret', () => {
    const secret = base32Encode(SEED);
    expect(secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode(secret)).toEqual(SEED);
    expect(totpCode(secret, 59)).toBe('287082');
    expect(totpCode(secret, 1111111109)).toBe('081804');
  });

  it('accepts the step before and after, not two away, and says which step matched', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_015;
    const step = timeStep(now);
    expect(matchTotp(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchTotp(secret, totpCode(secret, now - 30), now)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, now + 30), now)).toBe(step + 1);
    const far = totpCode(secret, now - 60);
    if (![-30, 0, 30].some((d) => totpCode(secret, now + d) === far)) expect(matchTotp(secret, far, now)).toBeNull();
    expect(matchTotp(secret, '12345', now)).toBeNull();
    expect(matchTotp(secret, 'abcdef', now)).toBeNull();
  });

  it('secrets are 160 bits of base32; the otpauth URL carries the parameters', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl({ issuer: 'Agentry', account: 'a@b.example', secret }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('period')).toBe('30');
  });
});
