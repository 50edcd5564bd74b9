import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  InvitationIdParam,
  InvitationRequest,
  InvitationResponse,
  MemberList,
  PendingInvitationList,
  MemberRoleRequest,
  MemberRoleResponse,
  TenantResponse,
  UserIdParam,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { TenantsService } from './tenants.service.js';

/** `/api/v1/tenants/current*`: the caller's tenant, its members and invitations. */
export function tenantsRoutes(tenants: TenantsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['tenants'];

    app.get(
      '/api/v1/tenants/current',
      {
        config: { auth: 'access' },
        schema: { tags, summary: "The caller's tenant", response: { 200: TenantResponse } },
      },
      async (request) => tenants.current(callerOf(request)),
    );

    app.get(
      '/api/v1/tenants/current/members',
      {
        config: { auth: 'members:manage' },
        schema: {
          tags,
          summary: 'Members and their roles, with the seats in use and the seat limit',
          response: { 200: MemberList },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const [items, seats] = await Promise.all([tenants.listMembers(caller), tenants.seats(caller.tenantId)]);
        return { items, seats };
      },
    );

    app.get(
      '/api/v1/tenants/current/invitations',
      {
        config: { auth: 'members:manage' },
        schema: {
          tags,
          summary: 'Pending invitations, newest first (each holds a seat until accepted, revoked or expired)',
          response: { 200: PendingInvitationList },
        },
      },
      async (request) => ({ items: await tenants.listInvitations(callerOf(request)) }),
    );

    app.delete(
      '/api/v1/tenants/current/invitations/:invitation_id',
      {
        config: { auth: 'members:manage' },
        schema: { tags, summary: 'Revoke a pending invitation (its token stops working)', params: InvitationIdParam },
      },
      async (request, reply) => {
        await tenants.revokeInvitation(callerOf(request), request.params.invitation_id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/v1/tenants/current/invitations',
      {
        config: { auth: 'members:manage' },
        schema: {
          tags,
          summary: 'Invite someone by e-mail (the token is also mailed); 409 `seat_limit_reached` past the seat limit',
          body: InvitationRequest,
          response: { 201: InvitationResponse },
        },
      },
      async (request, reply) => reply.status(201).send(await tenants.invite(callerOf(request), request.body)),
    );

    app.post(
      '/api/v1/tenants/invitations/accept',
      {
        config: { auth: 'access' },
        schema: {
          tags,
          summary: 'Join the tenant of an invitation addressed to your e-mail (existing accounts)',
          description:
            'An addition to the v1 contract. Single use. 400 `invalid_token` for an unknown, used or expired token; ' +
            '404 `not_found` for an invitation addressed to another e-mail; 409 `conflict` when already a member. ' +
            'Log in with `tenant_id` to get a session in the new tenant.',
          body: AcceptInvitationRequest,
          response: { 200: AcceptInvitationResponse },
        },
      },
      async (request) => tenants.acceptInvitationFor(callerOf(request), request.body.token),
    );

    app.patch(
      '/api/v1/tenants/current/members/:user_id',
      {
        config: { auth: 'members:manage' },
        schema: {
          tags,
          summary: "Change a member's role (the last owner cannot be demoted)",
          params: UserIdParam,
          body: MemberRoleRequest,
          response: { 200: MemberRoleResponse },
        },
      },
      async (request) => tenants.changeRole(callerOf(request), request.params.user_id, request.body.role),
    );

    app.delete(
      '/api/v1/tenants/current/members/:user_id',
      {
        config: { auth: 'members:manage' },
        schema: { tags, summary: 'Remove a member (not the last owner); their sessions end', params: UserIdParam },
      },
      async (request, reply) => {
        await tenants.removeMember(callerOf(request), request.params.user_id);
        return reply.status(204).send();
      },
    );
  };
}
