import crypto from 'node:crypto';

/**
 * Secrets Agentry stores for tenants and users (MCP headers, TOTP secrets, SSO client secrets) are
 * sealed with AES-256-GCM under a versioned key, like the password pepper: the current key seals,
 * older keys still open, and `needsRotation` tells a re-seal job which values to rewrite.
 *
 * Sealed form: `v<version>.<iv>.<ciphertext+tag>` (base64url). The caller's `context` (for example
 * `mcp.headers:<server id>`) is bound as additional authenticated data, so a value copied into
 * another row or another purpose does not open.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  /** Throws `SecretBoxError` when the value is malformed, was sealed for another context, or its key is gone. */
  open(sealed: string, context: string): string;
  /** True when the value was sealed under an older key version. */
  needsRotation(sealed: string): boolean;
}

export interface SecretBoxKeys {
  /** The current key material (at least 32 characters; a passphrase or random base64). */
  key: string;
  version: number;
  /** Older keys by version, still accepted for opening. */
  previous: Record<string, string>;
}

export class SecretBoxError extends Error {}

const SEALED = /^v([1-9]\d*)\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

/** One 256-bit AES key per key version, derived with HKDF so any long passphrase works as key material. */
function deriveKey(material: string, version: number): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', material, 'agentry.secret-box', `v${version}`, 32));
}

export function createSecretBox({ key, version, previous }: SecretBoxKeys): SecretBox {
  const keys = new Map<number, Buffer>();
  for (const [v, material] of Object.entries(previous)) keys.set(Number(v), deriveKey(material, Number(v)));
  keys.set(version, deriveKey(key, version));
  const current = keys.get(version) as Buffer;

  const parse = (sealed: string) => {
    const match = SEALED.exec(sealed);
    if (!match) throw new SecretBoxError('not a sealed secret');
    return {
      version: Number(match[1]),
      iv: Buffer.from(match[2], 'base64url'),
      body: Buffer.from(match[3], 'base64url'),
    };
  };

  return {
    seal(plaintext, context) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v${version}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, context) {
      const parts = parse(sealed);
      const secretKey = keys.get(parts.version);
      if (!secretKey) throw new SecretBoxError(`no key for version ${parts.version}`);
      if (parts.body.length < 16) throw new SecretBoxError('not a sealed secret');
      const decipher = crypto.createDecipheriv('aes-256-gcm', secretKey, parts.iv);
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(parts.body.subarray(parts.body.length - 16));
      try {
        return Buffer.concat([
          decipher.update(parts.body.subarray(0, parts.body.length - 16)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError('sealed secret does not open (wrong key or context, or tampered)');
      }
    },
    needsRotation(sealed) {
      return parse(sealed).version !== version;
    },
  };
}
