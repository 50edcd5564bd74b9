import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import type { PlatformContext } from '../../platform/context.js';
import type { ChatUsageHooks } from '../chat/usage-hooks.js';
import { BillingStream } from './billing-stream.js';
import { BillingStreamCloser } from './billing-stream-closer.js';
import { billingStreamRoutes } from './billing-stream.routes.js';
import { billingRoutes } from './billing.routes.js';
import { HostedPagesService } from './hosted-pages.service.js';
import { PaymentMethodsService } from './payment-methods.service.js';
import { PlanCatalog } from './plans.js';
import { StripeEventDispatcher } from './stripe-event-dispatch.js';
import { StripeEventHandlers } from './stripe-event-handlers.js';
import { StripeEventLog } from './stripe-event-log.js';
import { StripeEventsRepo } from './stripe-events.repo.js';
import { StripeGateway } from './stripe-gateway.js';
import { stripeWebhookRoutes, StripeWebhookReceiver } from './stripe-webhooks.js';
import { SeatLimits, StorageLimits, type SeatCounter, type StorageCounter } from './seats.js';
import { SubscriptionSync } from './subscription-sync.js';
import { SubscriptionsRepo } from './subscriptions.repo.js';
import { SubscriptionsService } from './subscriptions.service.js';
import { MeterReporter } from './usage-reporting.js';
import { UsageRepo } from './usage.repo.js';
import { UsageService } from './usage.service.js';

/** The billing module's parts, for app.ts (routes), chat (usage hooks) and the CLI (dispatcher). */
export interface BillingModule {
  /** Implements chat's `ChatUsageHooks`: pass it to the chat module as `usage`. */
  usageHooks: ChatUsageHooks;
  /** The tenants module's `SeatPolicy`: how many seats a tenant may hold. */
  seatLimits: SeatLimits;
  /** The files module's `StorageQuota`: the plan's `storage_bytes`. */
  storageLimits: StorageLimits;
  usage: UsageService;
  subscriptions: SubscriptionsService;
  plans: PlanCatalog;
  stream: BillingStream;
  /** Ends a tenant's open billing streams on every replica (a suspension). */
  streams: Pick<BillingStreamCloser, 'closeTenantStreams'>;
  /** The webhook event store as `agentry stripe events | replay` reads it. */
  events: StripeEventLog;
  /** Present when billing is enabled. */
  gateway?: StripeGateway;
  dispatcher?: StripeEventDispatcher;
  meter?: MeterReporter;
  /** Registers the routes. */
  register(app: FastifyInstance): Promise<void>;
}

/** `sk_test_…a1b2`: enough to tell keys apart in a log, never enough to use one. */
export function maskSecret(value: string | undefined): string | null {
  if (!value) return null;
  const prefix = /^(sk|rk|whsec)_(test_|live_)?/.exec(value)?.[0] ?? '';
  return `${prefix}…${value.length - prefix.length > 8 ? value.slice(-4) : ''}`;
}

export function stripeConfigSummary(config: Config) {
  return {
    enabled: config.stripe.enabled,
    secret_key: maskSecret(config.stripe.secretKey),
    webhook_secret: maskSecret(config.stripe.webhookSecret),
    api_base_url: config.stripe.apiBaseUrl ?? 'https://api.stripe.com',
    price_map: Object.keys(config.stripe.priceMap).length ? 'STRIPE_PRODUCT_PRICE_MAP' : 'database',
    webhook_tolerance_seconds: config.stripe.webhookToleranceSeconds,
    event_max_attempts: config.stripe.eventMaxAttempts,
  };
}

/**
 * Builds billing. With billing off (no Stripe keys) the plans, usage metering and limits still
 * work — only Stripe-backed writes, webhooks and the stream answer 503 `billing_disabled`.
 * Workers (event dispatch, meter reports) are registered only on processes with the `worker` role.
 */
export function createBillingModule(
  ctx: PlatformContext,
  options: { seatsInUse: SeatCounter; storageInUse?: StorageCounter; registerWorkers?: boolean },
): BillingModule {
  const { config, database, ports, logger, metrics } = ctx;
  const enabled = config.stripe.enabled && !!config.stripe.secretKey && !!config.stripe.webhookSecret;
  logger.info(
    { event: 'billing.config', ...stripeConfigSummary(config) },
    enabled ? 'billing enabled' : 'billing disabled',
  );

  // Repositories hold no connection: the services pass `database.db`, or their transaction, to every call.
  const plans = new PlanCatalog(database, config.stripe.priceMap);
  const repo = new SubscriptionsRepo();
  const usageRepo = new UsageRepo();
  const events = new StripeEventsRepo();
  const stream = new BillingStream(ports.streams);
  const streams = new BillingStreamCloser({ ports, registry: ctx.sse });
  const sync = new SubscriptionSync({ database, plans, repo, stream });

  const gateway = enabled
    ? new StripeGateway({
        secretKey: config.stripe.secretKey!,
        apiBaseUrl: config.stripe.apiBaseUrl,
        metrics,
        logger,
        maxNetworkRetries: config.stripe.maxNetworkRetries,
      })
    : undefined;
  const dispatcher = gateway
    ? new StripeEventDispatcher({
        database,
        events,
        handlers: new StripeEventHandlers({ database, gateway, sync, repo }),
        jobs: ports.jobs,
        maxAttempts: config.stripe.eventMaxAttempts,
        backoffMs: config.stripe.eventBackoffMs,
        logger,
        metrics,
      })
    : undefined;
  const meter = gateway
    ? new MeterReporter({
        database,
        jobs: ports.jobs,
        leases: ports.leases,
        usage: usageRepo,
        subscriptions: repo,
        plans,
        gateway,
        logger,
        backoffMs: config.stripe.eventBackoffMs,
      })
    : undefined;
  const seatLimits = new SeatLimits({ plans, subscriptions: repo });
  const storageLimits = new StorageLimits({ plans, subscriptions: repo });
  const usage = new UsageService({
    database,
    plans,
    subscriptions: repo,
    usage: usageRepo,
    stream,
    seatLimits,
    seatsInUse: options.seatsInUse,
    ...(options.storageInUse ? { storageInUse: options.storageInUse } : {}),
    meter,
    logger,
  });
  const subscriptions = new SubscriptionsService({
    database,
    plans,
    repo,
    sync,
    gateway,
    seatsInUse: options.seatsInUse,
    audit: ctx.audit,
  });

  const hostedPages = new HostedPagesService({
    database,
    plans,
    repo,
    subscriptions,
    gateway,
    publicWebUrl: config.http.publicWebUrl,
    allowedOrigins: config.http.allowedOrigins,
  });
  const paymentMethods = new PaymentMethodsService({
    database,
    repo,
    subscriptions,
    gateway,
    publishableKey: config.stripe.publishableKey,
  });

  if ((options.registerWorkers ?? config.roles.includes('worker')) && dispatcher && meter) {
    dispatcher.registerWorker();
    meter.registerWorker();
  }

  const receiver = new StripeWebhookReceiver({
    database,
    webhooks: gateway?.client.webhooks,
    secret: enabled ? config.stripe.webhookSecret : undefined,
    toleranceSeconds: config.stripe.webhookToleranceSeconds,
    events,
    dispatcher,
    logger,
  });

  return {
    usageHooks: usage,
    seatLimits,
    storageLimits,
    usage,
    subscriptions,
    plans,
    stream,
    streams,
    events: new StripeEventLog({ database, events }),
    gateway,
    dispatcher,
    meter,
    async register(app) {
      // This replica serves billing streams: it ends its own when another one suspends their tenant.
      await streams.start();
      ctx.onShutdown(() => streams.stop());
      await app.register(billingRoutes({ plans, subscriptions, hostedPages, usage, paymentMethods }));
      await app.register(
        billingStreamRoutes({
          stream,
          enabled,
          heartbeatMs: config.http.sseHeartbeatMs,
          registry: ctx.sse,
        }),
      );
      await app.register(stripeWebhookRoutes(receiver));
    },
  };
}
