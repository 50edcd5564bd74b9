import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Config, DeepReadonly } from '../../../../config.js';
import { parseKeyset, type Keyset } from './keyset.js';

/**
 * Where the key set lives. A small interface so a secret-manager backend can replace the file
 * without touching signing or verification.
 */
export interface KeysetStorage {
  /** A human description for logs and the CLI (never the keys). */
  readonly description: string;
  /** The stored key set, or null when none exists yet. */
  load(): Promise<Keyset | null>;
  /** Replaces the key set atomically. Read-only backends throw. */
  save(keyset: Keyset): Promise<void>;
}

/** A JSON file, mode 0600, replaced atomically (write a temporary file, then rename). */
export class FileKeysetStorage implements KeysetStorage {
  constructor(private readonly file: string) {}
  get description() {
    return `file ${this.file}`;
  }

  async load(): Promise<Keyset | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return parseKeyset(text, this.file);
  }

  async save(keyset: Keyset): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(keyset, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await fs.rename(tmp, this.file);
    await fs.chmod(this.file, 0o600);
  }
}

/** `AUTH_KEYSET_JSON` (parsed by config.ts): read-only; rotate by deploying a new value (the CLI prints it). */
export class EnvKeysetStorage implements KeysetStorage {
  readonly description = 'AUTH_KEYSET_JSON';
  constructor(private readonly keyset: DeepReadonly<Keyset>) {}
  async load(): Promise<Keyset> {
    return structuredClone(this.keyset) as Keyset; // the configured value is frozen; callers get their own copy
  }
  async save(): Promise<void> {
    throw new Error(
      'AUTH_KEYSET_JSON is read-only: put the rotated key set in the environment (agentry keys rotate --print)',
    );
  }
}

export function keysetStorageFor(auth: Config['auth']): KeysetStorage {
  return auth.keyset ? new EnvKeysetStorage(auth.keyset) : new FileKeysetStorage(auth.keysetPath);
}
