import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateServiceAccountRequest,
  CreateServiceAccountResponse,
  ServiceAccountIssueResponse,
  ServiceAccountList,
  Uuid,
} from '@agentry/contracts';
import { callerOf } from '../../../platform/http/auth-guard.js';
import type { ServiceAccountsService } from './service-accounts.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a JSON body, kept only where a signature covers them. */
    rawBody?: string;
  }
}

/** Service accounts: tenant-admin CRUD and the operator-signed issuance endpoint. */
export function serviceAccountRoutes(accounts: ServiceAccountsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['service-accounts'];

    app.get(
      '/api/v1/service-accounts',
      {
        config: { auth: 'service_accounts:manage' },
        schema: { tags, summary: "The tenant's live service accounts", response: { 200: ServiceAccountList } },
      },
      async (request) => ({ items: await accounts.list(callerOf(request)) }),
    );

    app.post(
      '/api/v1/service-accounts',
      {
        config: { auth: 'service_accounts:manage' },
        schema: {
          tags,
          summary: "Create a service account (scopes within the caller's)",
          body: CreateServiceAccountRequest,
          response: { 201: CreateServiceAccountResponse },
        },
      },
      async (request, reply) => reply.status(201).send(await accounts.create(callerOf(request), request.body)),
    );

    app.delete(
      '/api/v1/service-accounts/:id',
      {
        config: { auth: 'service_accounts:manage' },
        schema: { tags, summary: 'Revoke a service account; its tokens stop working', params: z.object({ id: Uuid }) },
      },
      async (request, reply) => {
        await accounts.revoke(callerOf(request), request.params.id);
        return reply.status(204).send();
      },
    );

    // The signature covers the raw body, so this route parses JSON itself (in its own scope).
    await app.register(async (signed) => {
      signed.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
        request.rawBody = body as string;
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(Object.assign(new SyntaxError('malformed JSON'), { statusCode: 400 }), undefined);
        }
      });
      signed.post(
        '/api/v1/auth/service-accounts/issue',
        {
          config: { auth: 'public' },
          schema: {
            tags,
            summary: 'Issue a service account (operator-signed envelope, X-Operator-Key-Id / X-Operator-Signature)',
            response: { 201: ServiceAccountIssueResponse },
          },
        },
        async (request, reply) => {
          const header = (name: string) => {
            const v = request.headers[name];
            return typeof v === 'string' ? v : undefined;
          };
          const issued = await accounts.issueByOperator({
            rawBody: request.rawBody ?? '',
            keyId: header('x-operator-key-id'),
            signature: header('x-operator-signature'),
          });
          return reply.status(201).send(issued);
        },
      );
    });
  };
}
