import { describe, expect, it } from 'vitest';
import { SecretBoxError, createSecretBox } from './secret-box.js';

const KEY_1 = 'first-secrets-key-with-enough-length-000';
const KEY_2 = 'second-secrets-key-with-enough-length-00';

describe('secret box', () => {
  const box = createSecretBox({ key: KEY_1, version: 1, previous: {} });

  it('seals to a versioned opaque value and opens it in the same context', () => {
    const sealed = box.seal('Bearer sk-live-123', 'mcp.headers:srv_1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('sk-live');
    expect(box.open(sealed, 'mcp.headers:srv_1')).toBe('Bearer sk-live-123');
    // A fresh IV each time: equal plaintexts do not give equal sealed values.
    expect(box.seal('Bearer sk-live-123', 'mcp.headers:srv_1')).not.toBe(sealed);
  });

  it('refuses a value moved to another context (row or purpose)', () => {
    const sealed = box.seal('totp-secret', 'mfa.totp:usr_1');
    expect(() => box.open(sealed, 'mfa.totp:usr_2')).toThrow(SecretBoxError);
  });

  it('refuses tampered and malformed values', () => {
    const sealed = box.seal('value', 'ctx');
    const [v, iv, body] = sealed.split('.');
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    expect(() => box.open(`${v}.${iv}.${flipped}`, 'ctx')).toThrow(SecretBoxError);
    for (const bad of ['', 'plain text', 'v1..', 'v9.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA', `v0.${iv}.${body}`])
      expect(() => box.open(bad, 'ctx')).toThrow(SecretBoxError);
  });

  it('rotates: a new key seals, the old key still opens, and old values are flagged for re-sealing', () => {
    const old = box.seal('kept', 'ctx');
    const rotated = createSecretBox({ key: KEY_2, version: 2, previous: { 1: KEY_1 } });
    expect(rotated.open(old, 'ctx')).toBe('kept');
    expect(rotated.needsRotation(old)).toBe(true);
    const fresh = rotated.seal('kept', 'ctx');
    expect(fresh).toMatch(/^v2\./);
    expect(rotated.needsRotation(fresh)).toBe(false);
    // Once the old key is dropped, its values no longer open.
    expect(() => createSecretBox({ key: KEY_2, version: 2, previous: {} }).open(old, 'ctx')).toThrow(SecretBoxError);
  });
});
