import type { PlanCatalog } from './plans.js';
import type { StripeGateway } from './stripe-gateway.js';

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
