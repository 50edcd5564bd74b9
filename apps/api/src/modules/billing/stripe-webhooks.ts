import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type Stripe from 'stripe';
import { WebhookAck } from '@agentry/contracts';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { billingDisabled } from './billing-errors.js';
import type { StripeEventDispatcher } from './stripe-event-dispatch.js';
import type { StripeEventsRepo } from './stripe-events.repo.js';

/**
 * Receives Stripe webhooks: verifies the signature on the raw bytes, stores the event (unique by
 * id) and queues its dispatch — all before answering 202. Nothing is stored for a bad signature.
 */
export class StripeWebhookReceiver {
  constructor(
    private readonly deps: {
      database: Database;
      /** Absent when billing is not configured (503). */
      webhooks: Stripe['webhooks'] | undefined;
      secret: string | undefined;
      toleranceSeconds: number;
      events: StripeEventsRepo;
      /** Absent with `webhooks` when billing is not configured. */
      dispatcher: StripeEventDispatcher | undefined;
      logger: Logger;
    },
  ) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<{ duplicate: boolean }> {
    const { webhooks, secret, dispatcher } = this.deps;
    if (!webhooks || !secret || !dispatcher) throw billingDisabled();
    if (!signature) throw new AppError('bad_request', 'The Stripe-Signature header is missing.');
    let event: Stripe.Event;
    try {
      // The SDK only refuses timestamps too far in the past; one from the future is refused here.
      if (signedAt(signature) > Date.now() / 1000 + this.deps.toleranceSeconds) throw new Error('future timestamp');
      event = webhooks.constructEvent(rawBody, signature, secret, this.deps.toleranceSeconds);
    } catch {
      this.deps.logger.warn(
        { event: 'stripe.webhook_rejected' },
        'stripe webhook with a bad signature or stale timestamp',
      );
      throw new AppError('bad_request', 'The Stripe signature is invalid or its timestamp is outside the tolerance.');
    }
    if (
      typeof event?.id !== 'string' ||
      typeof event.type !== 'string' ||
      typeof event.created !== 'number' ||
      !event.data?.object
    )
      throw new AppError('bad_request', 'The payload is not a Stripe event.');
    // PostgreSQL's jsonb refuses NUL and lone surrogates: refuse them before storing anything.
    if (!storableJson(event))
      throw new AppError('bad_request', 'The payload holds a NUL character or a lone surrogate.');

    const db = this.deps.database.db;
    const inserted = await this.deps.events.insert(db, {
      id: event.id,
      type: event.type,
      created: event.created,
      payload: event,
    });
    if (!inserted) {
      // A redelivery. If the first delivery was stored but its job never queued (we answered 5xx),
      // queue it now; the job id makes this a no-op otherwise.
      const stored = await this.deps.events.find(db, event.id);
      if (stored?.status === 'received' && stored.attempts === 0) await dispatcher.enqueue(event.id);
      return { duplicate: true };
    }
    await dispatcher.enqueue(event.id);
    this.deps.logger.info(
      { event: 'stripe.webhook_received', stripe_event_id: event.id, type: event.type },
      'stripe webhook stored',
    );
    return { duplicate: false };
  }
}

/** The `t=` of a Stripe-Signature header (seconds), or -Infinity when it has none. */
function signedAt(header: string): number {
  const t = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1];
  return t === undefined ? Number.NEGATIVE_INFINITY : Number(t);
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when every string (keys too) of a parsed JSON value can be stored as jsonb. */
function storableJson(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (value && typeof value === 'object')
    return Object.entries(value).every(([key, v]) => storableJson(key) && storableJson(v));
  return true;
}

/** POST /webhooks/stripe, in its own plugin scope: only here is the body kept as raw bytes. */
export function stripeWebhookRoutes(receiver: StripeWebhookReceiver): FastifyPluginAsyncZod {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.post(
      '/webhooks/stripe',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['billing'],
          summary: 'Stripe webhook endpoint (Stripe-Signature)',
          hide: false,
          response: { 202: WebhookAck },
        },
      },
      async (request, reply) => {
        const header = request.headers['stripe-signature'];
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await receiver.receive(body, Array.isArray(header) ? header[0] : header);
        reply.code(202);
        return { received: true as const, duplicate: result.duplicate };
      },
    );
  };
}
