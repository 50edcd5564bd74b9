import type { Database } from '../../platform/db/client.js';
import type { Ports, Unsubscribe } from '../../platform/ports/index.js';
import type { TenantsRepo } from './tenants.repo.js';

const CHANNEL = 'tenants:status';

/**
 * Which tenants are suspended, known to every replica without a database round trip per request:
 * loaded at start, then kept current through pub/sub (a suspension takes effect on every replica at
 * once, like a session revocation). The auth guard refuses their tokens with 403 `tenant_suspended`.
 */
export class SuspendedTenants {
  private readonly ids = new Set<string>();
  private unsubscribe: Unsubscribe | undefined;

  constructor(private readonly deps: { database: Database; repo: TenantsRepo; ports: Ports }) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.ports.pubsub.subscribe(CHANNEL, (message) => this.apply(message));
    for (const id of await this.deps.repo.suspendedIds(this.deps.database.db)) this.ids.add(id);
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  has(tenantId: string): boolean {
    return this.ids.has(tenantId);
  }

  /** After the database has committed the change: this replica at once, the others through pub/sub. */
  async publish(tenantId: string, status: 'suspended' | 'active'): Promise<void> {
    this.apply(`${status}:${tenantId}`);
    await this.deps.ports.pubsub.publish(CHANNEL, `${status}:${tenantId}`);
  }

  private apply(message: string) {
    const [status, id] = message.split(':');
    if (!id) return;
    if (status === 'suspended') this.ids.add(id);
    else this.ids.delete(id);
  }
}
