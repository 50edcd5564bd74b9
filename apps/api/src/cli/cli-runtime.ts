import { loadConfig, type Config } from '../config.js';
import { openInfrastructure } from '../platform/runtime.js';
import type { Database } from '../platform/db/client.js';
import type { Ports } from '../platform/ports/index.js';

/** Opens what a command needs, runs it, and always closes it, so the process can exit. */
export async function withInfrastructure<T>(
  fn: (infra: { config: Config; database: Database; ports: Ports }) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const { database, ports } = await openInfrastructure(config, { migrate: options.migrate ?? false });
  try {
    return await fn({ config, database, ports });
  } finally {
    await ports.close();
    await database.close();
  }
}

/** Progress lines go to stderr so stdout stays machine-readable. */
export function progress(message: string) {
  process.stderr.write(`${message}\n`);
}
