#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { registerDbCommands } from './commands/db.js';
import { registerSecretsCommands } from './commands/secrets.js';

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

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
