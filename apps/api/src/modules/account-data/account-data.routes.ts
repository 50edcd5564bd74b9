import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AccountExport, DeleteAccountRequest } from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { AccountDataService } from './account-data.service.js';

/** `GET /api/v1/auth/me/export` and `DELETE /api/v1/auth/me` (API.md "Account security"). */
export function accountDataRoutes(service: AccountDataService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];
    app.get(
      '/api/v1/auth/me/export',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Everything stored about the caller, as one JSON document (a download)',
          description:
            'Profile, memberships, sessions, login events, conversations with their messages, tool calls and feedback, shares, runs, service accounts they created, invitations, audit events by or about them, mail sent to them (without bodies). Hashes, secrets and tokens are left out. 403 for a service account.',
          response: { 200: AccountExport },
        },
      },
      async (request, reply) => {
        const body = await service.export(callerOf(request));
        const day = body.exported_at.slice(0, 10);
        return reply
          .header('content-disposition', `attachment; filename="agentry-account-${day}.json"`)
          .header('cache-control', 'no-store')
          .send(body);
      },
    );
    app.delete(
      '/api/v1/auth/me',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Delete the account and everything that is only theirs',
          description:
            'The password is required (401 `invalid_credentials`, counted into the account lockout). With MFA on, a TOTP `code` or a `recovery_code` too: 401 `mfa_required` without, 401 `invalid_mfa_code` when wrong (counted into the lockout). Every session ends; the user, their memberships, conversations, feedback, shares, runs and sessions are deleted; a tenant where they were the only member is deleted too. 409 `conflict` as the last owner of a tenant with other members.',
          body: DeleteAccountRequest,
        },
      },
      async (request, reply) => {
        const { password, ...proof } = request.body;
        await service.delete(callerOf(request), password, proof);
        return reply.status(204).send();
      },
    );
  };
}
