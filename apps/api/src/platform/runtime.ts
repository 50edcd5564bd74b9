import type { Config } from '../config.js';
import { createDatabase, type Database } from './db/client.js';
import { createPorts, type Ports } from './ports/index.js';

/** Opens the database (migrating it when AUTO_MIGRATE is on) and the coordination ports. */
export async function openInfrastructure(
  config: Config,
  options: { migrate?: boolean } = {},
): Promise<{ database: Database; ports: Ports }> {
  const database = await createDatabase({
    url: config.db.url,
    poolMax: config.db.poolMax,
    acquireTimeoutMs: config.db.acquireTimeoutMs,
    dataDir: config.db.dataDir,
  });
  try {
    if (options.migrate ?? config.db.autoMigrate) await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  const ports = createPorts(config.redis);
  return { database, ports };
}
