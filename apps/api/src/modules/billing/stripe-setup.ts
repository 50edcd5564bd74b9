import type { PlanCatalog } from './plans.js';
import type { StripeGateway } from './stripe-gateway.js';
import { meterEventName } from './usage-reporting.js';

/** What `agentry stripe setup` did (or would do, with `--dry-run`) for one plan. */
export interface PlanSetupResult {
  plan: string;
  product: { id: string | null; action: 'found' | 'created' | 'would_create' };
  price: { id: string | null; action: 'found' | 'created' | 'would_create' };
}

/**
 * Creates or finds the Stripe product and price of every plan, matched by `metadata.plan_code`
 * (so running it twice changes nothing), and records the price ids in the database, where every
 * replica reads them (`STRIPE_PRODUCT_PRICE_MAP` still overrides).
 */
export async function setupStripeCatalog(input: {
  plans: PlanCatalog;
  gateway: StripeGateway;
  dryRun: boolean;
  progress: (line: string) => void;
}): Promise<PlanSetupResult[]> {
  const { plans, gateway, dryRun, progress } = input;
  const catalog = await plans.list();
  progress(`checking ${catalog.length} plans against Stripe${dryRun ? ' (dry run: nothing is created)' : ''}…`);
  const products = await gateway.listProducts();
  const results: PlanSetupResult[] = [];
  for (const plan of catalog) {
    let product = products.find((p) => p.metadata?.plan_code === plan.code) ?? null;
    const result: PlanSetupResult = {
      plan: plan.code,
      product: { id: product?.id ?? null, action: product ? 'found' : 'would_create' },
      price: { id: null, action: 'would_create' },
    };
    if (!product && !dryRun) {
      product = await gateway.createProduct(
        { name: `Agentry ${plan.name}`, description: plan.description, metadata: { plan_code: plan.code } },
        `agentry-product-${plan.code}`,
      );
      result.product = { id: product.id, action: 'created' };
    }
    progress(
      `  ${plan.code}: product ${result.product.action.replace('_', ' ')}${result.product.id ? ` (${result.product.id})` : ''}`,
    );
    const prices = product ? await gateway.listPrices(product.id) : [];
    const matching = prices.find(
      (p) =>
        p.metadata?.plan_code === plan.code &&
        p.unit_amount === plan.priceCents &&
        p.currency === plan.currency &&
        p.recurring?.interval === plan.interval,
    );
    if (matching) result.price = { id: matching.id, action: 'found' };
    else if (!dryRun && product) {
      const created = await gateway.createPrice(
        {
          product: product.id,
          unit_amount: plan.priceCents,
          currency: plan.currency,
          recurring: { interval: plan.interval },
          metadata: { plan_code: plan.code },
        },
        `agentry-price-${plan.code}-${plan.priceCents}-${plan.currency}-${plan.interval}`,
      );
      result.price = { id: created.id, action: 'created' };
    }
    progress(
      `  ${plan.code}: price ${result.price.action.replace('_', ' ')}${result.price.id ? ` (${result.price.id})` : ''}`,
    );
    if (!dryRun && product && result.price.id)
      await plans.recordStripeIds(plan.code, { productId: product.id, priceId: result.price.id });
    results.push(result);
  }
  progress(dryRun ? 'dry run complete' : 'price map recorded in the database');
  return results;
}

/** What `agentry stripe setup` did (or would do) for the meter of one metered feature. */
export interface MeterSetupResult {
  feature: string;
  event_name: string;
  id: string | null;
  action: 'found' | 'created' | 'would_create';
  /** Stripe's status of a meter found: an `inactive` one counts no events until reactivated. */
  status: string | null;
}

/**
 * Creates or finds the Stripe billing meter of every metered plan feature, matched by `event_name`
 * (the name usage reporting sends, `meterEventName`), so running it twice changes nothing. The
 * meter sums `payload.value` per customer (`payload.stripe_customer_id`), as the reporter sends them.
 */
export async function setupStripeMeters(input: {
  plans: PlanCatalog;
  gateway: StripeGateway;
  dryRun: boolean;
  progress: (line: string) => void;
}): Promise<MeterSetupResult[]> {
  const { plans, gateway, dryRun, progress } = input;
  const features = new Map<string, string>();
  for (const plan of await plans.list())
    for (const f of plan.features) if (f.metered && !features.has(f.key)) features.set(f.key, f.display_name);
  progress(`checking ${features.size} meters against Stripe${dryRun ? ' (dry run: nothing is created)' : ''}…`);
  const existing = await gateway.listMeters();
  const results: MeterSetupResult[] = [];
  for (const [feature, displayName] of features) {
    const eventName = meterEventName(feature);
    const found = existing.find((m) => m.event_name === eventName);
    let result: MeterSetupResult = found
      ? { feature, event_name: eventName, id: found.id, action: 'found', status: found.status }
      : { feature, event_name: eventName, id: null, action: 'would_create', status: null };
    if (!found && !dryRun) {
      const created = await gateway.createMeter(
        {
          display_name: `Agentry ${displayName}`,
          event_name: eventName,
          default_aggregation: { formula: 'sum' },
          customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
          value_settings: { event_payload_key: 'value' },
        },
        `agentry-meter-${eventName}`,
      );
      result = { feature, event_name: eventName, id: created.id, action: 'created', status: created.status };
    }
    progress(
      `  meter ${eventName}: ${result.action.replace('_', ' ')}${result.id ? ` (${result.id})` : ''}${result.status === 'inactive' ? ' — INACTIVE in Stripe: reactivate it, or its usage is not counted' : ''}`,
    );
    results.push(result);
  }
  return results;
}
