import { AppError } from '../../platform/errors.js';
import { StripeGatewayError, type StripeGateway } from './stripe-gateway.js';

/**
 * Billing's problem details, each written once: what a write, the webhook and the stream answer
 * with billing off, and what a Stripe failure becomes (routes never see SDK or gateway errors).
 */
export function billingDisabled(): AppError {
  return new AppError('billing_disabled', 'Billing is not enabled on this server.');
}

/**
 * A gateway failure as the API's problem: 503 `unavailable` when it may pass (with `Retry-After`, as
 * every `unavailable` of an outage carries), else 502 `bad_gateway`.
 */
export function stripeFailureProblem(err: unknown): unknown {
  if (!(err instanceof StripeGatewayError)) return err;
  if (err.kind === 'unavailable')
    return new AppError('unavailable', 'The payment provider is unavailable; try again.', {
      cause: err,
      headers: { 'retry-after': '5' },
    });
  return new AppError('bad_gateway', 'The payment provider rejected the request.', { cause: err });
}

/** A Stripe call for one write; gateway failures come out as the API's problem codes. */
export type StripeCall = <T>(fn: (gateway: StripeGateway) => Promise<T>) => Promise<T>;

/** Stripe for one write, or 503 `billing_disabled` when billing is off (checked before anything else). */
export function stripeCall(gateway: StripeGateway | undefined): StripeCall {
  if (!gateway) throw billingDisabled();
  return async (fn) => {
    try {
      return await fn(gateway);
    } catch (err) {
      throw stripeFailureProblem(err);
    }
  };
}
