import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeStripe } from '../../../test/support/fake-stripe.js';
import { Metrics } from '../../platform/metrics.js';
import { sdkAddress, StripeGateway, StripeGatewayError } from './stripe-gateway.js';

describe('StripeGateway (official SDK against the fake Stripe server)', () => {
  let fake: FakeStripe;
  let metrics: Metrics;
  let gateway: StripeGateway;
  beforeAll(async () => {
    fake = await FakeStripe.start();
    metrics = new Metrics();
    gateway = new StripeGateway({
      secretKey: 'sk_test_gateway123456789',
      apiBaseUrl: fake.url,
      metrics,
      logger: pino({ level: 'silent' }),
      maxNetworkRetries: 2,
    });
  });
  afterAll(async () => fake?.stop());

  const count = async (operation: string, result: string) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'stripe_api_requests_total');
    return (
      (metric?.values.find((v) => v.labels.operation === operation && v.labels.result === result)?.value as number) ?? 0
    );
  };

  it('maps STRIPE_API_BASE_URL to the SDK host/port/protocol', () => {
    expect(sdkAddress('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(sdkAddress('https://stripe.example')).toEqual({ host: 'stripe.example', port: 443, protocol: 'https' });
    expect(sdkAddress(undefined)).toEqual({});
  });

  it('sends our idempotency key: the same create twice makes one customer', async () => {
    const a = await gateway.createCustomer({ tenantId: 't1', idempotencyKey: 'agentry-customer-t1' });
    const b = await gateway.createCustomer({ tenantId: 't1', idempotencyKey: 'agentry-customer-t1' });
    expect(b.id).toBe(a.id);
    expect(fake.customers.size).toBe(1);
    expect(fake.requestsTo('POST', '/v1/customers').map((r) => r.idempotencyKey)).toEqual([
      'agentry-customer-t1',
      'agentry-customer-t1',
    ]);
    expect(await count('customers.create', 'ok')).toBe(2);
  });

  it('retries transient failures (5xx) and succeeds, with the same idempotency key', async () => {
    fake.failNext({ method: 'POST', path: '/v1/customers', times: 1, status: 503 });
    const before = fake.requestsTo('POST', '/v1/customers').length;
    const c = await gateway.createCustomer({ tenantId: 't2', idempotencyKey: 'agentry-customer-t2' });
    expect(c.id).toMatch(/^cus_/);
    const calls = fake.requestsTo('POST', '/v1/customers').slice(before);
    expect(calls.map((r) => r.idempotencyKey)).toEqual(['agentry-customer-t2', 'agentry-customer-t2']);
  });

  it('does not retry a rejected request (4xx) and reports it in domain terms', async () => {
    const before = fake.requestsTo('GET', /^\/v1\/subscriptions\//).length;
    const err = await gateway.retrieveSubscription('sub_missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StripeGatewayError);
    expect(err).toMatchObject({ kind: 'not_found', operation: 'subscriptions.retrieve', transient: false });
    expect(fake.requestsTo('GET', /^\/v1\/subscriptions\//).length - before).toBe(1);
    expect(await count('subscriptions.retrieve', 'not_found')).toBe(1);
  });

  it('gives up after its retries on a persistent outage: unavailable, transient', async () => {
    fake.failNext({ method: 'GET', path: '/v1/invoices/in_x', times: 3, status: 500 });
    const err = await gateway.retrieveInvoice('in_x').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable', transient: true });
    expect(fake.requestsTo('GET', '/v1/invoices/in_x')).toHaveLength(3);
    const histogram = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'stripe_api_request_duration_seconds',
    );
    expect(histogram).toBeDefined();
  });

  it('reports a meter event keyed by the usage record id', async () => {
    await gateway.createMeterEvent({
      eventName: 'agentry_messages',
      customerId: 'cus_1',
      value: 3,
      identifier: 'rec-1',
      timestamp: new Date(),
    });
    expect(fake.meterEvents.get('rec-1')).toMatchObject({
      event_name: 'agentry_messages',
      payload: { stripe_customer_id: 'cus_1', value: '3' },
    });
    expect(fake.requestsTo('POST', '/v1/billing/meter_events').at(-1)!.idempotencyKey).toBe('meter:rec-1');
  });
});
