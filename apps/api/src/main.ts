import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './platform/logger.js';
import { openInfrastructure } from './platform/runtime.js';
import { auditConfig, formatFindings } from './platform/production-checks.js';
import { startTelemetry } from './platform/telemetry.js';
import { version } from './version.js';

/** Process entry: read config, open infrastructure, build, listen, shut down gracefully on SIGTERM/SIGINT. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // Production guardrails (the same rules as `agentry secrets check`): refuse unsafe settings, name each.
  const findings = config.isProduction ? auditConfig(config) : [];
  const refusals = findings.filter((f) => f.refusesStart);
  if (refusals.length) {
    process.stderr.write(`Refusing to start with NODE_ENV=production:\n${formatFindings(refusals)}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger(config.logLevel);
  for (const f of findings)
    logger.warn({ event: 'config.warning', setting: f.setting, problem: f.problem }, 'unsafe production setting');
  // The application's modules load while the database opens (PGlite compiles its wasm and reads
  // its files meanwhile): the two were a cold start's largest parts, one after the other.
  const appModule = import('./app.js');
  appModule.catch(() => {}); // awaited below; a failure to open the database exits first
  const telemetry = await startTelemetry(config, { version });
  const { database, ports } = await openInfrastructure(config);
  const { buildApp } = await appModule;
  const app = await buildApp(config, { database, ports, logger });
  await app.listen({ port: config.http.port, host: config.http.host });
  logger.info(
    {
      event: 'server.started',
      url: `http://${config.http.host}:${config.http.port}`,
      database: database.kind,
      coordination: ports.kind,
      roles: config.roles,
    },
    'Agentry API listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'server.stopping', signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ event: 'server.shutdown_timeout' }, 'graceful shutdown timed out');
      process.exit(1);
    }, config.http.shutdownGraceMs);
    force.unref();
    try {
      // Refuses new connections, ends streams, serves what open connections still send (Connection:
      // close) until they are gone: no request a proxy already sent is lost (graceful-shutdown.ts).
      const { closedAll } = await app.drain();
      logger.info({ event: 'server.drained', closed_all_connections: closedAll }, 'drained');
      await app.close(); // closes what is left, waits for in-flight requests, stops workers
      await ports.close();
      await database.close();
      await telemetry.shutdown();
      logger.info({ event: 'server.stopped' }, 'stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err, event: 'server.shutdown_failed' }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(
    `Agentry API failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
