import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { publicJwk, verifyingKeys } from '../../modules/auth/sessions/keys/keyset.js';
import { keysetStorageFor } from '../../modules/auth/sessions/keys/keyset-storage.js';

export function registerJwksCommands(program: Command) {
  program
    .command('jwks')
    .description('public keys')
    .command('print')
    .description('print the JWKS (public keys only) as served at /.well-known/jwks.json')
    .action(async () => {
      const keyset = await keysetStorageFor(loadConfig().auth).load();
      if (!keyset) throw new Error('no key set yet (one is generated on first start)');
      process.stdout.write(`${JSON.stringify({ keys: verifyingKeys(keyset).map(publicJwk) }, null, 2)}\n`);
    });
}
