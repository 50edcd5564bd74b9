import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  DisableMfaRequest,
  MfaChallengeRequest,
  MfaCodeRequest,
  MfaEnrollResponse,
  RecoveryCodesResponse,
  SessionResponse,
} from '@agentry/contracts';
import { callerOf } from '../../../../platform/http/auth-guard.js';
import { clientInfo } from '../../sessions/client-info.js';
import type { AuthService } from '../auth.service.js';
import type { MfaService } from './mfa.service.js';

/** `/api/v1/auth/mfa/*`: TOTP enrolment, recovery codes, turning MFA off, and the login's second step. */
export function mfaRoutes(auth: AuthService, mfa: MfaService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];

    app.post(
      '/api/v1/auth/mfa/totp/enroll',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Start TOTP enrolment: a new secret and its otpauth:// URL (not active until verified)',
          description: '409 `conflict` when MFA is already on.',
          response: { 200: MfaEnrollResponse },
        },
      },
      async (request) => mfa.enroll(callerOf(request)),
    );

    app.post(
      '/api/v1/auth/mfa/totp/verify',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Confirm enrolment with a first code: MFA is on; answers 10 single-use recovery codes, shown once',
          description: '401 `invalid_mfa_code`; 409 `conflict` when nothing is enrolled or MFA is already on.',
          body: MfaCodeRequest,
          response: { 200: RecoveryCodesResponse },
        },
      },
      async (request) => mfa.verify(callerOf(request), request.body.code),
    );

    app.post(
      '/api/v1/auth/mfa/challenge',
      {
        config: { auth: 'public', rateLimit: ['login_per_ip'] },
        schema: {
          tags,
          summary: "A login's second step: the mfa_token and a TOTP code or a recovery code; answers the session",
          description:
            '401 `invalid_mfa_code` for a wrong, expired or already used code; 401 `invalid_token` when the token is unknown, expired, used, or after 5 wrong codes; 423 `account_locked` (wrong codes count into the login lockout).',
          body: MfaChallengeRequest,
          response: { 200: SessionResponse },
        },
      },
      async (request) => auth.completeMfa(request.body, clientInfo(request)),
    );

    app.post(
      '/api/v1/auth/mfa/recovery-codes',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'New recovery codes (needs a TOTP code); the old ones stop working',
          body: MfaCodeRequest,
          response: { 200: RecoveryCodesResponse },
        },
      },
      async (request) => mfa.regenerateRecoveryCodes(callerOf(request), request.body.code),
    );

    app.delete(
      '/api/v1/auth/mfa',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Turn MFA off: the password and a TOTP code (or a recovery code)',
          description: '401 `invalid_credentials` / `invalid_mfa_code`; 409 `conflict` when MFA is not on.',
          body: DisableMfaRequest,
        },
      },
      async (request, reply) => {
        await mfa.disable(callerOf(request), request.body);
        return reply.status(204).send();
      },
    );
  };
}
