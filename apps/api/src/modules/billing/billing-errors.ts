import { AppError } from '../../platform/errors.js';
import { StripeGatewayError } from './stripe-gateway.js';

/**
 * Billing's problem details, each written once: what a write, the webhook and the stream answer
 * with billing off, and what a Stripe failure becomes (routes never see SDK or gateway errors).
 */
export function billingDisabled(): AppError {
  return new AppError('billing_disabled', 'Billing is not enabled on this server.');
}

/** A gateway failure as the API's problem: 503 `unavailable` when it may pass, else 502 `bad_gateway`. */
export function stripeFailureProblem(err: unknown): unknown {
  if (!(err instanceof StripeGatewayError)) return err;
  if (err.kind === 'unavailable')
    return new AppError('unavailable', 'The payment provider is unavailable; try again.', { cause: err });
  return new AppError('bad_gateway', 'The payment provider rejected the request.', { cause: err });
}
