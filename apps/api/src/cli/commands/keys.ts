import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../modules/auth/sessions/jwt.js';
import { generateKeyset, rotateKeyset, type Keyset } from '../../modules/auth/sessions/keys/keyset.js';
import { keysetStorageFor } from '../../modules/auth/sessions/keys/keyset-storage.js';
import { progress } from '../cli-runtime.js';

/**
 * Rotates the key set in its storage: next → active, a new next, old active → retired (kept until
 * every token it signed has expired). Returns the new key set. Running servers pick it up within
 * 30 s, or at once when they meet a token of the new key.
 */
export async function rotateKeys(config: Config): Promise<Keyset> {
  const storage = keysetStorageFor(config.auth);
  const current = (await storage.load()) ?? generateKeyset();
  const rotated = rotateKeyset(current, config.auth.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS);
  if (config.auth.keyset) return rotated; // read-only source: the caller prints it for deployment
  await storage.save(rotated);
  return rotated;
}

/** The key set's keys with their states, never the private parts. */
export async function listKeys(config: Config) {
  const keyset = await keysetStorageFor(config.auth).load();
  if (!keyset) return [];
  return [
    { kid: keyset.active.kid, state: 'active', created_at: keyset.active.created_at, retired_at: null },
    { kid: keyset.next.kid, state: 'next', created_at: keyset.next.created_at, retired_at: null },
    ...keyset.retired.map((k) => ({
      kid: k.kid,
      state: 'retired',
      created_at: k.created_at,
      retired_at: k.retired_at ?? null,
    })),
  ];
}

export function registerKeysCommands(program: Command) {
  const keys = program.command('keys').description('access-token signing keys (Ed25519 key set)');
  keys
    .command('rotate')
    .description('next → active, a new next, old active → retired (verifies until its tokens expire)')
    .option('--print', 'print the rotated key set as JSON (for AUTH_KEYSET_JSON deployments)')
    .action(async (options: { print?: boolean }) => {
      const config = loadConfig();
      const rotated = await rotateKeys(config);
      if (config.auth.keyset || options.print) {
        progress('AUTH_KEYSET_JSON is read-only: deploy the key set printed on stdout');
        process.stdout.write(`${JSON.stringify(rotated)}\n`);
      } else {
        progress(
          `rotated ${keysetStorageFor(config.auth).description}: active ${rotated.active.kid}, next ${rotated.next.kid}, ${rotated.retired.length} retired`,
        );
      }
    });
  keys
    .command('list')
    .description('list the keys and their states (no private material)')
    .action(async () => {
      const rows = await listKeys(loadConfig());
      if (rows.length === 0) progress('no key set yet (one is generated on first start)');
      for (const r of rows)
        process.stdout.write(
          `${r.kid}\t${r.state}\t${r.created_at}${r.retired_at ? `\tretired ${r.retired_at}` : ''}\n`,
        );
    });
}
