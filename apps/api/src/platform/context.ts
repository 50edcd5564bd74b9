import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AuditLog } from './audit.js';
import type { Database } from './db/client.js';
import type { Metrics } from './metrics.js';
import type { Ports } from './ports/index.js';
import type { SecretBox } from './secret-box.js';
import type { SseRegistry } from './sse.js';

/** What the composition root hands every module: infrastructure only, never another module's internals. */
export interface PlatformContext {
  config: Config;
  database: Database;
  ports: Ports;
  metrics: Metrics;
  logger: Logger;
  sse: SseRegistry;
  /** Where modules record audit events (API.md "Tenant operations and audit"). */
  audit: AuditLog;
  /** Seals and opens secrets stored at rest (MCP headers, TOTP and SSO client secrets). */
  secrets: SecretBox;
  /** Functions to run on shutdown, in reverse order of registration (workers, subscriptions). */
  onShutdown(fn: () => Promise<void> | void): void;
}
