import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChangeEmailRequest, TokenBody } from '@agentry/contracts';
import { callerOf } from '../../../platform/http/auth-guard.js';
import type { EmailChangeService } from './email-change.service.js';

/** `/api/v1/auth/email/change*`: move the account to a new sign-in address (API.md "Account security"). */
export function emailChangeRoutes(emailChange: EmailChangeService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];
    app.post(
      '/api/v1/auth/email/change',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Ask to change the sign-in address: a link to the new one, a notice to the old one',
          description:
            'The current password is required (401 `invalid_credentials`, counted into the account lockout). With MFA on, a TOTP `code` or a `recovery_code` too: 401 `mfa_required` without, 401 `invalid_mfa_code` when wrong (counted into the lockout). 409 `email_taken`; 429 past the hourly mail budget.',
          body: ChangeEmailRequest,
        },
      },
      async (request, reply) => {
        const { new_email, password, ...proof } = request.body;
        await emailChange.request(callerOf(request), new_email, password, proof);
        return reply.status(202).send();
      },
    );
    app.post(
      '/api/v1/auth/email/change/confirm',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Confirm the new address with the mailed token; ends the other sessions',
          body: TokenBody,
        },
      },
      async (request, reply) => {
        await emailChange.confirm(request.body.token);
        return reply.status(204).send();
      },
    );
  };
}
