import type { Command } from 'commander';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { Ports } from '../../platform/ports/index.js';
import { createLogger } from '../../platform/logger.js';
import { Metrics } from '../../platform/metrics.js';
import { SseRegistry } from '../../platform/sse.js';
import { createAuditLog } from '../../modules/audit/audit.module.js';
import { createSecretBox } from '../../platform/secret-box.js';
import { createBillingModule, type BillingModule } from '../../modules/billing/billing.module.js';
import type { StripeEventStatus } from '../../modules/billing/stripe-events.repo.js';
import { setupStripeCatalog, setupStripeMeters } from '../../modules/billing/stripe-setup.js';
import { seatCounter } from '../../modules/tenants/tenants.module.js';
import { withInfrastructure, progress } from '../cli-runtime.js';

/** The billing module as the CLI uses it: no HTTP, no workers (replays run here, in this process). */
export function billingForCli(infra: { config: Config; database: Database; ports: Ports }): BillingModule {
  const logger = createLogger('warn');
  return createBillingModule(
    {
      ...infra,
      metrics: new Metrics(),
      logger,
      audit: createAuditLog(infra.database, logger),
      secrets: createSecretBox(infra.config.secrets),
      sse: new SseRegistry(),
      onShutdown: () => {},
    },
    { registerWorkers: false, seatsInUse: seatCounter(infra.database) },
  );
}

function requireGateway(billing: BillingModule) {
  if (!billing.gateway || !billing.dispatcher)
    throw new Error('billing is not configured: set ENABLE_BILLING=true, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  return { gateway: billing.gateway, dispatcher: billing.dispatcher };
}

/**
 * `stripe setup`: products and prices by `metadata.plan_code` (price ids recorded in the database),
 * then the billing meters of the metered features by `event_name`.
 */
export async function runStripeSetup(billing: BillingModule, options: { dryRun: boolean }, log = progress) {
  const { gateway } = requireGateway(billing);
  const input = { plans: billing.plans, gateway, dryRun: options.dryRun, progress: log };
  const plans = await setupStripeCatalog(input);
  const meters = await setupStripeMeters(input);
  return { plans, meters };
}

export interface ReplaySelection {
  event?: string;
  failed?: boolean;
  since?: string;
}

/**
 * `stripe replay`: re-runs the handlers of the selected stored events now, in this process.
 * Handlers re-fetch from Stripe, so replaying converges on Stripe's current state.
 */
export async function runStripeReplay(billing: BillingModule, selection: ReplaySelection, log = progress) {
  const { dispatcher } = requireGateway(billing);
  const chosen = [selection.event, selection.failed, selection.since].filter(
    (v) => v !== undefined && v !== false,
  ).length;
  if (chosen !== 1) throw new Error('choose exactly one of --event <id>, --failed, --since <time>');
  let ids: string[];
  if (selection.event) {
    const row = await billing.events.find(selection.event);
    if (!row) throw new Error(`no stored event ${selection.event}`);
    ids = [row.stripeEventId];
  } else if (selection.failed) {
    ids = (await billing.events.list({ status: 'failed' })).map((r) => r.stripeEventId);
  } else {
    const since = parseSince(selection.since!);
    ids = (await billing.events.list({ since })).map((r) => r.stripeEventId);
  }
  log(`replaying ${ids.length} event${ids.length === 1 ? '' : 's'}…`);
  const results: { id: string; outcome: string; error?: string }[] = [];
  for (const [i, id] of ids.entries()) {
    await billing.events.reopen(id);
    try {
      const outcome = await dispatcher.process(id, { finalAttempt: true });
      results.push({ id, outcome });
      log(`  [${i + 1}/${ids.length}] ${id}: ${outcome}`);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      results.push({ id, outcome: 'failed', error });
      log(`  [${i + 1}/${ids.length}] ${id}: failed (${error})`);
    }
  }
  return results;
}

/** `--since`: an RFC 3339 time, or a duration back from now such as `30m`, `2h`, `7d`. */
export function parseSince(value: string): Date {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(relative[1]) * unit * 1000);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--since: not a time or duration: ${value}`);
  return date;
}

export function registerStripeCommands(program: Command) {
  const stripe = program.command('stripe').description('Stripe billing: catalog set-up and webhook event store');

  stripe
    .command('setup')
    .description(
      'create or find the Stripe product and price of each plan (by metadata.plan_code), record the price ids, and create or find the billing meter of each metered feature (by event_name)',
    )
    .option('--dry-run', 'show what would be created, create nothing')
    .action(async (options: { dryRun?: boolean }) => {
      await withInfrastructure(
        async (infra) => {
          const results = await runStripeSetup(billingForCli(infra), { dryRun: !!options.dryRun });
          process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        },
        { migrate: true },
      );
    });

  stripe
    .command('events')
    .description('list stored webhook events (oldest first)')
    .option('--status <status>', 'received | processing | retrying | processed | ignored | failed')
    .option('--since <time>', 'RFC 3339 time or a duration such as 2h')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (options: { status?: StripeEventStatus; since?: string; limit: string }) => {
      await withInfrastructure(async (infra) => {
        const rows = await billingForCli(infra).events.list({
          status: options.status,
          since: options.since ? parseSince(options.since) : undefined,
          limit: Number(options.limit),
        });
        for (const r of rows) {
          process.stdout.write(
            `${r.receivedAt.toISOString()}  ${r.stripeEventId}  ${r.type}  ${r.status}  attempts=${r.attempts}${r.lastError ? `  error=${r.lastError}` : ''}\n`,
          );
        }
        progress(`${rows.length} event${rows.length === 1 ? '' : 's'}`);
      });
    });

  stripe
    .command('replay')
    .description('re-run the handlers of stored events now (they re-fetch from Stripe)')
    .option('--event <id>', 'one event by its Stripe id')
    .option('--failed', 'every event in the failed state')
    .option('--since <time>', 'every event received since (RFC 3339 time or a duration such as 2h)')
    .action(async (options: ReplaySelection) => {
      await withInfrastructure(async (infra) => {
        const results = await runStripeReplay(billingForCli(infra), options);
        const failed = results.filter((r) => r.outcome === 'failed').length;
        progress(`replayed ${results.length}, ${failed} failed`);
        if (failed) process.exitCode = 1;
      });
    });
}
