import type { Command } from 'commander';
import { withInfrastructure, progress } from '../cli-runtime.js';

export function registerDbCommands(program: Command) {
  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending migrations (forward-only) to DATABASE_URL, or to the embedded database under DATA_DIR')
    .action(async () => {
      await withInfrastructure(async ({ database }) => {
        progress(
          `applying migrations to ${database.kind === 'pglite' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL'}…`,
        );
        await database.migrate();
        progress('migrations applied');
      });
    });
}
