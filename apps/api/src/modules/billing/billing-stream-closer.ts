import type { Ports, Unsubscribe } from '../../platform/ports/index.js';
import type { SseRegistry } from '../../platform/sse.js';

const CHANNEL = 'billing:stream:end-tenant';

/**
 * Ends a tenant's open billing streams on every replica (a suspension or a deprovisioning): this
 * replica's at once, the others through pub/sub, like `RunManager.endTenantRuns`. A client that
 * reconnects gets 403 `tenant_suspended`.
 */
export class BillingStreamCloser {
  private unsubscribe: Unsubscribe | undefined;

  constructor(private readonly deps: { ports: Ports; registry: SseRegistry }) {}

  /** Listens for the other replicas' requests (the replicas that serve the stream route). */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.deps.ports.pubsub.subscribe(CHANNEL, (tenantId) => {
      this.deps.registry.closeTenant(tenantId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  async closeTenantStreams(tenantId: string): Promise<void> {
    this.deps.registry.closeTenant(tenantId);
    await this.deps.ports.pubsub.publish(CHANNEL, tenantId);
  }
}
