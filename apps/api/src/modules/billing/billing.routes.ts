import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CancelSubscriptionRequest,
  CheckoutSessionRequest,
  CreateSubscriptionRequest,
  InvoiceList,
  PaymentMethodDefaultResponse,
  PaymentMethodIdParam,
  PaymentMethodList,
  PlanList,
  PortalSessionRequest,
  Subscription,
  SetupIntentResponse,
  TenantIdParam,
  UpcomingInvoice,
  UpdateSubscriptionRequest,
  UrlResponse,
  UsageAccepted,
  UsageRequest,
  UsageResponse,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import { compiledSerializerCompiler } from '../../platform/http/compiled-serializer.js';
import { toPlanResponse, type PlanCatalog } from './plans.js';
import type { HostedPagesService } from './hosted-pages.service.js';
import type { PaymentMethodsService } from './payment-methods.service.js';
import type { SubscriptionsService } from './subscriptions.service.js';
import type { UsageService } from './usage.service.js';

const tags = ['billing'];
const base = '/api/v1/billing/tenants/:tenant_id';

/** Billing HTTP routes (API.md "Billing"): parse, authorize by scope, one service call, map. */
export function billingRoutes(deps: {
  plans: PlanCatalog;
  subscriptions: SubscriptionsService;
  hostedPages: HostedPagesService;
  usage: UsageService;
  paymentMethods: PaymentMethodsService;
}): FastifyPluginAsyncZod {
  const { plans, subscriptions, hostedPages, usage, paymentMethods } = deps;
  return async (app) => {
    app.get(
      '/api/v1/billing/plans',
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'The plan catalog (readable with billing off)', response: { 200: PlanList } },
      },
      async () => ({ items: (await plans.list()).map(toPlanResponse) }),
    );

    app.get(
      `${base}/subscription`,
      {
        config: { auth: 'billing:read' },
        schema: { tags, summary: "The tenant's subscription", params: TenantIdParam, response: { 200: Subscription } },
      },
      async (request) => subscriptions.get(callerOf(request), request.params.tenant_id),
    );

    app.post(
      `${base}/subscription`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Start a subscription (with the plan trial)',
          params: TenantIdParam,
          body: CreateSubscriptionRequest,
          response: { 201: Subscription },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return subscriptions.create(callerOf(request), request.params.tenant_id, request.body);
      },
    );

    app.patch(
      `${base}/subscription`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Change plan (timing now|period_end), seats, auto-renew or billing e-mail',
          params: TenantIdParam,
          body: UpdateSubscriptionRequest,
          response: { 200: Subscription },
        },
      },
      async (request) => subscriptions.update(callerOf(request), request.params.tenant_id, request.body),
    );

    app.delete(
      `${base}/subscription/pending-change`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Cancel the plan change scheduled for the period end',
          params: TenantIdParam,
          response: { 200: Subscription },
        },
      },
      async (request) => subscriptions.cancelPendingChange(callerOf(request), request.params.tenant_id),
    );

    app.post(
      `${base}/subscription/cancel`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Cancel at period end, or now',
          params: TenantIdParam,
          body: CancelSubscriptionRequest,
          response: { 200: Subscription },
        },
      },
      async (request) => subscriptions.cancel(callerOf(request), request.params.tenant_id, request.body),
    );

    app.post(
      `${base}/checkout-session`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'A Stripe Checkout Session URL',
          params: TenantIdParam,
          body: CheckoutSessionRequest.optional(),
          response: { 200: UrlResponse },
        },
      },
      async (request) => hostedPages.checkoutSession(callerOf(request), request.params.tenant_id, request.body ?? {}),
    );

    app.post(
      `${base}/portal-session`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'A Stripe customer portal URL',
          params: TenantIdParam,
          body: PortalSessionRequest.optional(),
          response: { 200: UrlResponse },
        },
      },
      async (request) => hostedPages.portalSession(callerOf(request), request.params.tenant_id, request.body ?? {}),
    );

    app.post(
      `${base}/usage`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Report usage (the same idempotency key counts once)',
          params: TenantIdParam,
          body: UsageRequest,
          response: { 202: UsageAccepted },
        },
      },
      async (request, reply) => {
        const result = await usage.reportUsage(callerOf(request), request.params.tenant_id, request.body);
        reply.code(202);
        return { accepted: true as const, duplicate: result.duplicate };
      },
    );

    app.get(
      `${base}/usage`,
      {
        config: { auth: 'billing:read' },
        schema: {
          tags,
          summary: 'Usage of the current period against the plan limits',
          params: TenantIdParam,
          response: { 200: UsageResponse },
        },
        // Read on every dashboard load; getUsage builds each field itself.
        serializerCompiler: compiledSerializerCompiler,
      },
      async (request) => usage.getUsage(callerOf(request), request.params.tenant_id),
    );

    app.get(
      `${base}/invoices`,
      {
        config: { auth: 'billing:read' },
        schema: {
          tags,
          summary: "The tenant's invoices, newest first",
          params: TenantIdParam,
          response: { 200: InvoiceList },
        },
      },
      async (request) => ({ items: await subscriptions.listInvoices(callerOf(request), request.params.tenant_id) }),
    );

    app.get(
      `${base}/invoices/upcoming`,
      {
        config: { auth: 'billing:read' },
        schema: {
          tags,
          summary: 'The next invoice as Stripe previews it (404 without a subscription)',
          params: TenantIdParam,
          response: { 200: UpcomingInvoice },
        },
      },
      async (request) => subscriptions.upcomingInvoice(callerOf(request), request.params.tenant_id),
    );

    app.get(
      `${base}/payment-methods`,
      {
        config: { auth: 'billing:read' },
        schema: { tags, summary: "The tenant's cards", params: TenantIdParam, response: { 200: PaymentMethodList } },
      },
      async (request) => ({ items: await paymentMethods.list(callerOf(request), request.params.tenant_id) }),
    );

    app.post(
      `${base}/payment-methods/setup-intent`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'A SetupIntent client secret for adding a card with Stripe Elements',
          params: TenantIdParam,
          response: { 200: SetupIntentResponse },
        },
      },
      async (request) => paymentMethods.setupIntent(callerOf(request), request.params.tenant_id),
    );

    app.post(
      `${base}/payment-methods/:pm_id/default`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Make a card the default for invoices',
          params: PaymentMethodIdParam,
          response: { 200: PaymentMethodDefaultResponse },
        },
      },
      async (request) => {
        await paymentMethods.setDefault(callerOf(request), request.params.tenant_id, request.params.pm_id);
        return { id: request.params.pm_id, is_default: true as const };
      },
    );

    app.delete(
      `${base}/payment-methods/:pm_id`,
      {
        config: { auth: 'billing:manage' },
        schema: {
          tags,
          summary: 'Remove a card (409 when it is the only one of an active plan)',
          params: PaymentMethodIdParam,
        },
      },
      async (request, reply) => {
        await paymentMethods.remove(callerOf(request), request.params.tenant_id, request.params.pm_id);
        return reply.status(204).send();
      },
    );
  };
}
