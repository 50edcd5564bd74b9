import { z } from 'zod';
import { ROLES } from './scopes.js';
import { Timestamp, Uuid } from './common.js';

export const TenantResponse = z.object({ id: Uuid, slug: z.string(), name: z.string(), created_at: Timestamp });
export type TenantResponse = z.infer<typeof TenantResponse>;

export const Member = z.object({
  user_id: Uuid,
  email: z.string(),
  display_name: z.string().nullable(),
  role: z.enum(ROLES),
  joined_at: Timestamp,
});
/** Seats in use (members + pending invitations) against the tenant's seat limit (API.md "Billing, more"). */
export const Seats = z.object({ used: z.number().int(), limit: z.number().int() });
export type Seats = z.infer<typeof Seats>;
export const MemberList = z.object({ items: z.array(Member), seats: Seats });
export type Member = z.infer<typeof Member>;

export const InvitationRequest = z.object({
  email: z.email().max(254),
  role: z.enum(ROLES).default('member'),
});
export const InvitationResponse = z.object({
  id: Uuid,
  email: z.string(),
  role: z.enum(ROLES),
  token: z.string(),
  expires_at: Timestamp,
});
export type InvitationResponse = z.infer<typeof InvitationResponse>;

/** A pending invitation as the members page lists it (never its token). */
export const PendingInvitation = z.object({
  id: Uuid,
  email: z.string(),
  role: z.enum(ROLES),
  created_at: Timestamp,
  expires_at: Timestamp,
});
export type PendingInvitation = z.infer<typeof PendingInvitation>;
export const PendingInvitationList = z.object({ items: z.array(PendingInvitation) });
export const InvitationIdParam = z.object({ invitation_id: Uuid });

export const MemberRoleRequest = z.object({ role: z.enum(ROLES) });
export const MemberRoleResponse = z.object({ role: z.enum(ROLES) });
export const UserIdParam = z.object({ user_id: Uuid });

export const ServiceAccount = z.object({
  id: Uuid,
  name: z.string(),
  scopes: z.array(z.string()),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
});
export const ServiceAccountList = z.object({ items: z.array(ServiceAccount) });
export type ServiceAccount = z.infer<typeof ServiceAccount>;
export const CreateServiceAccountRequest = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.string().min(1).max(100)).min(1).max(50),
});
export const CreateServiceAccountResponse = z.object({
  id: Uuid,
  name: z.string(),
  scopes: z.array(z.string()),
  refresh_token: z.string(),
});
export type CreateServiceAccountResponse = z.infer<typeof CreateServiceAccountResponse>;

/**
 * `POST /api/v1/tenants/invitations/accept` (auth `access`): an existing account joins the tenant
 * of an invitation addressed to its own e-mail. Single use; another user's token is 404.
 */
export const AcceptInvitationRequest = z.object({ token: z.string().min(1).max(200) });
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequest>;
export const AcceptInvitationResponse = z.object({
  tenant: z.object({ id: Uuid, slug: z.string(), name: z.string() }),
  role: z.enum(ROLES),
});
export type AcceptInvitationResponse = z.infer<typeof AcceptInvitationResponse>;
