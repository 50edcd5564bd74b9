import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { eventually, moduleFor, newTenantId, startBillingRig } from '../../../test/support/billing-rig.js';
import { usageRecords } from './billing.tables.js';
import { SubscriptionsRepo } from './subscriptions.repo.js';
import { MeterReporter, meterEventName } from './usage-reporting.js';
import { UsageRepo, type UsageIncrement } from './usage.repo.js';

type Rig = Awaited<ReturnType<typeof startBillingRig>>;

/** The Stripe meter reporting job, through the official SDK against the local Stripe server. */
describe('meter reporting (usage → Stripe meter events)', () => {
  let rig: Rig;
  const repo = new UsageRepo();
  beforeAll(async () => {
    rig = await startBillingRig();
  });
  afterAll(async () => rig?.close());

  const db = () => rig.test.database.db;
  const period = new Date('2026-12-01T00:00:00Z');

  /** A reporter on the rig's storage, gateway and queue (not registered as a worker). */
  const reporter = (options: { batchSize?: number; usage?: UsageRepo } = {}) =>
    new MeterReporter({
      database: rig.test.database,
      jobs: rig.test.ports.jobs,
      leases: rig.test.ports.leases,
      usage: options.usage ?? repo,
      subscriptions: new SubscriptionsRepo(),
      plans: rig.billing.plans,
      gateway: rig.billing.gateway!,
      logger: rig.app.log as never,
      batchSize: options.batchSize,
      backoffMs: 20,
    });

  /** A tenant with a Stripe customer. */
  async function customerTenant() {
    const tenantId = newTenantId();
    const customer = rig.fake.createCustomer({ metadata: { tenant_id: tenantId } });
    await rig.saveCustomer(tenantId, customer.id);
    return { tenantId, customerId: customer.id as string };
  }

  const record = (tenantId: string, increments: UsageIncrement[]) => repo.record(db(), tenantId, period, increments);
  const inc = (featureKey: string, quantity: number): UsageIncrement => ({
    featureKey,
    quantity,
    idempotencyKey: crypto.randomUUID(),
  });
  const rowsOf = (tenantId: string) => db().select().from(usageRecords).where(eq(usageRecords.tenantId, tenantId));
  const sentFor = (ids: string[]) =>
    rig.fake.requestsTo('POST', '/v1/billing/meter_events').filter((r) => ids.includes(r.params.identifier));

  it('sends every unreported metered record in batches, each with its record id as identifier and idempotency key', async () => {
    const { tenantId, customerId } = await customerTenant();
    const recorded = await record(tenantId, [
      ...Array.from({ length: 5 }, (_, i) => inc('messages', i + 1)),
      inc('input_tokens', 1200),
      inc('output_tokens', 340),
      inc('seats', 1), // not metered: never sent
    ]);
    const usage = new UsageRepo();
    const unreported = vi.spyOn(usage, 'unreported');
    expect(await reporter({ batchSize: 3, usage }).report(tenantId)).toBe(7);

    // 7 records in batches of 3: reads of 3, 3 and 1, then one look for stragglers after the lease.
    expect(unreported.mock.calls.map((c) => c[3])).toEqual([3, 3, 3, 1]);
    const metered = recorded.filter((r) => r.featureKey !== 'seats');
    const sent = sentFor(recorded.map((r) => r.recordId));
    expect(sent).toHaveLength(7);
    for (const r of metered) {
      const request = sent.find((s) => s.params.identifier === r.recordId)!;
      expect(request.idempotencyKey).toBe(`meter:${r.recordId}`);
      expect(request.params).toMatchObject({
        event_name: meterEventName(r.featureKey),
        payload: { stripe_customer_id: customerId, value: String(r.quantity) },
      });
    }
    const rows = await rowsOf(tenantId);
    expect(rows.filter((r) => r.featureKey !== 'seats').every((r) => r.reportedAt)).toBe(true);
    expect(rows.find((r) => r.featureKey === 'seats')!.reportedAt).toBeNull();

    // Nothing left: a second run sends nothing.
    expect(await reporter().report(tenantId)).toBe(0);
    expect(sentFor(recorded.map((r) => r.recordId))).toHaveLength(7);
  });

  it('keeps the backlog of a tenant without a Stripe customer, and sends it once the customer exists', async () => {
    const tenantId = newTenantId();
    const recorded = await record(tenantId, [inc('messages', 2), inc('messages', 3)]);
    expect(await reporter().report(tenantId)).toBe(0);
    expect(sentFor(recorded.map((r) => r.recordId))).toHaveLength(0);
    const customer = rig.fake.createCustomer({ metadata: { tenant_id: tenantId } });
    await rig.saveCustomer(tenantId, customer.id);
    expect(await reporter().report(tenantId)).toBe(2);
    expect((await rowsOf(tenantId)).every((r) => r.reportedAt)).toBe(true);
  });

  it('retries a Stripe 5xx with the same identifier and idempotency key; a longer outage fails the job, which the queue retries', async () => {
    const { tenantId } = await customerTenant();
    const [first] = await record(tenantId, [inc('messages', 1)]);

    // One 500: the SDK retries the same request (same idempotency key); the record is sent once.
    rig.fake.failNext({ method: 'POST', path: '/v1/billing/meter_events', times: 1, status: 500 });
    expect(await reporter().report(tenantId)).toBe(1);
    const attempts = sentFor([first.recordId]);
    expect(attempts).toHaveLength(2);
    expect(new Set(attempts.map((a) => a.idempotencyKey))).toEqual(new Set([`meter:${first.recordId}`]));
    expect(rig.fake.meterEvents.has(first.recordId)).toBe(true);

    // Stripe down longer than the SDK retries: report throws a transient error, marks nothing it did not send.
    const later = await record(tenantId, [inc('messages', 4), inc('output_tokens', 9)]);
    const laterIds = later.map((r) => r.recordId);
    rig.fake.failNext({ method: 'POST', path: '/v1/billing/meter_events', times: 2, status: 503 });
    await expect(reporter().report(tenantId)).rejects.toMatchObject({ kind: 'unavailable', transient: true });
    expect((await rowsOf(tenantId)).filter((r) => laterIds.includes(r.id)).every((r) => !r.reportedAt)).toBe(true);

    // Through the job (the app's worker): the first attempt meets the outage, the queue retries it.
    rig.fake.failNext({ method: 'POST', path: '/v1/billing/meter_events', times: 2, status: 502 });
    await rig.billing.meter!.schedule(tenantId, later);
    await eventually(async () =>
      (await rowsOf(tenantId)).filter((r) => laterIds.includes(r.id)).every((r) => r.reportedAt),
    );
    const sent = sentFor(laterIds);
    expect(sent.length).toBeGreaterThanOrEqual(4); // 2 failed + at least one per record
    for (const id of laterIds) {
      expect(new Set(sentFor([id]).map((s) => s.idempotencyKey))).toEqual(new Set([`meter:${id}`]));
      expect(rig.fake.meterEvents.get(id)).toBeTruthy();
    }
  });

  it("a record Stripe refuses is logged and skipped, the others still go; records past Stripe's 35-day window are not sent", async () => {
    const { tenantId } = await customerTenant();
    const recorded = await record(tenantId, [inc('messages', 1), inc('messages', 2), inc('messages', 3)]);
    const [stale] = await record(tenantId, [inc('output_tokens', 7)]);
    await db()
      .update(usageRecords)
      .set({ createdAt: new Date(Date.now() - 40 * 86_400_000) })
      .where(eq(usageRecords.id, stale.recordId));

    // Stripe refuses the first send for good (400): that record waits, the other two are reported.
    rig.fake.failNext({ method: 'POST', path: '/v1/billing/meter_events', times: 1, status: 400 });
    expect(await reporter({ batchSize: 1 }).report(tenantId)).toBe(2);
    const rows = await rowsOf(tenantId);
    const unreported = rows.filter((r) => !r.reportedAt).map((r) => r.id);
    expect(unreported).toHaveLength(2);
    expect(unreported).toContain(stale.recordId);
    expect(sentFor([stale.recordId])).toHaveLength(0);

    // The next run retries the refused one (accepted now) and still leaves the stale one alone.
    expect(await reporter().report(tenantId)).toBe(1);
    expect((await rowsOf(tenantId)).filter((r) => !r.reportedAt).map((r) => r.id)).toEqual([stale.recordId]);
    expect(sentFor(recorded.map((r) => r.recordId))).toHaveLength(4);
    expect(sentFor([stale.recordId])).toHaveLength(0);
  });

  it('two workers on one database report each record exactly once', async () => {
    const a = moduleFor(rig.test, { registerWorkers: true });
    const b = moduleFor(rig.test, { registerWorkers: true });
    const { tenantId } = await customerTenant();
    const ids: string[] = [];
    // Usage arrives in many small recordings, each scheduling a report job, on either module.
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const recorded = await record(tenantId, [inc('messages', 1), inc('input_tokens', 10 + i)]);
      ids.push(...recorded.map((r) => r.recordId));
      jobs.push((i % 2 ? a : b).meter!.schedule(tenantId, recorded));
    }
    // And direct reports racing the jobs, from both modules at once.
    const direct = await Promise.all([a.meter!.report(tenantId), b.meter!.report(tenantId), a.meter!.report(tenantId)]);
    await Promise.all(jobs);
    await eventually(async () => (await rowsOf(tenantId)).every((r) => r.reportedAt), 10_000);
    expect(direct.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(ids.length);

    const sent = sentFor(ids);
    const perRecord = new Map<string, number>();
    for (const s of sent) perRecord.set(s.params.identifier, (perRecord.get(s.params.identifier) ?? 0) + 1);
    expect(perRecord.size).toBe(ids.length);
    expect([...perRecord.values()].every((n) => n === 1)).toBe(true);
    expect(sent).toHaveLength(ids.length);
  });
});
