import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ChangePasswordRequest,
  ForgotPasswordRequest,
  MeResponse,
  MfaRequiredResponse,
  RefreshRequest,
  RegisterRequest,
  RegisterResponse,
  ResetPasswordRequest,
  ServiceSessionResponse,
  SessionResponse,
  TokenBody,
  TokenRequest,
  UpdateProfileRequest,
} from '@agentry/contracts';
import { callerOf } from '../../../platform/http/auth-guard.js';
import type { AuthService } from './auth.service.js';
import type { AccountRecoveryService } from './account-recovery.service.js';
import type { ProfileService } from './profile.service.js';
import { clientInfo } from '../sessions/client-info.js';

/**
 * The credential-guessing routes share one budget per client IP (counted before the body is
 * parsed: every attempt counts, see ratelimit/README.md).
 */
const credentialRoute = { auth: 'public', rateLimit: ['login_per_ip'] } as const;

/** `/api/v1/auth/*` sign-up, login, refresh, profile, e-mail and password routes. */
export function authRoutes(
  auth: AuthService,
  recovery: AccountRecoveryService,
  profile: ProfileService,
): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['auth'];

    app.post(
      '/api/v1/auth/register',
      {
        config: credentialRoute,
        schema: {
          tags,
          summary: 'Create an account (and a tenant, unless invited)',
          body: RegisterRequest,
          response: { 201: RegisterResponse },
        },
      },
      async (request, reply) => reply.status(201).send(await auth.register(request.body, clientInfo(request))),
    );

    app.post(
      '/api/v1/auth/token',
      {
        config: credentialRoute,
        schema: {
          tags,
          summary: 'Log in with e-mail and password',
          description:
            'For a user with MFA on, a right password answers 202 with an `mfa_token` (5 minutes, single use) for `/auth/mfa/challenge` instead of a session.',
          body: TokenRequest,
          response: { 200: SessionResponse, 202: MfaRequiredResponse },
        },
      },
      async (request, reply) => {
        const answer = await auth.login(request.body, clientInfo(request));
        return 'mfa_required' in answer ? reply.status(202).send(answer) : answer;
      },
    );

    app.post(
      '/api/v1/auth/refresh',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Exchange a refresh token for a new pair (single use)',
          body: RefreshRequest,
          response: { 200: z.union([SessionResponse, ServiceSessionResponse]) },
        },
      },
      async (request) => auth.refresh(request.body.refresh_token),
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { auth: 'access' },
        schema: { tags, summary: 'The caller, its tenant and role', response: { 200: MeResponse } },
      },
      async (request) => profile.me(callerOf(request)),
    );

    app.patch(
      '/api/v1/auth/me',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: "Update the caller's profile (display_name, avatar_url, locale, timezone; null clears)",
          description:
            'An addition to the v1 contract. 400 `empty_update` when no field is given; 403 for a service account.',
          body: UpdateProfileRequest,
          response: { 200: MeResponse },
        },
      },
      async (request) => profile.update(callerOf(request), request.body),
    );

    app.post(
      '/api/v1/auth/email/verify/send',
      {
        config: { auth: 'access' },
        schema: { tags, summary: 'Send a new verification e-mail' },
      },
      async (request, reply) => {
        await recovery.sendVerificationFor(callerOf(request));
        return reply.status(202).send();
      },
    );

    app.post(
      '/api/v1/auth/email/verify',
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'Verify an e-mail address with the mailed token', body: TokenBody },
      },
      async (request, reply) => {
        await recovery.verifyEmail(request.body.token);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/v1/auth/password/forgot',
      {
        config: credentialRoute,
        schema: {
          tags,
          summary: 'Mail a password-reset link (202 whether or not the account exists)',
          body: ForgotPasswordRequest,
        },
      },
      async (request, reply) => {
        await recovery.forgotPassword(request.body.email);
        return reply.status(202).send();
      },
    );

    app.post(
      '/api/v1/auth/password/reset',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Set a new password with the mailed token; ends every session',
          body: ResetPasswordRequest,
        },
      },
      async (request, reply) => {
        await recovery.resetPassword(request.body.token, request.body.new_password);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/v1/auth/password/change',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Change the password; ends the other sessions',
          description:
            'The current password is required (401 `invalid_credentials`, counted into the account lockout). With MFA on, a TOTP `code` or a `recovery_code` too: 401 `mfa_required` without, 401 `invalid_mfa_code` when wrong (counted into the lockout).',
          body: ChangePasswordRequest,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { current_password, new_password, ...proof } = request.body;
        await recovery.changePassword(caller, current_password, new_password, proof);
        return reply.status(204).send();
      },
    );
  };
}
