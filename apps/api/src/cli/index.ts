#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { registerDbCommands } from './commands/db.js';
import { registerSecretsCommands } from './commands/secrets.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerJwksCommands } from './commands/jwks.js';
import { registerUsersCommands } from './commands/users.js';
import { registerServiceAccountsCommands } from './commands/service-accounts.js';
import { registerMailCommands } from './commands/mail.js';
import { registerStripeCommands } from './commands/stripe.js';
import { registerMcpCommands } from './commands/mcp.js';
import { registerKnowledgeCommands } from './commands/knowledge.js';

/**
 * `agentry` — the operator CLI (`npm run agentry -- <command>`). It runs against the configured
 * database and Redis. Each command group lives in `commands/<group>.ts` and registers itself here.
 */
const program = new Command('agentry')
  .description('Agentry operator CLI')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode));

registerDbCommands(program);
registerSecretsCommands(program);
registerKeysCommands(program);
registerJwksCommands(program);
registerUsersCommands(program);
registerServiceAccountsCommands(program);
registerMailCommands(program);
registerStripeCommands(program);
registerMcpCommands(program);
registerKnowledgeCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
