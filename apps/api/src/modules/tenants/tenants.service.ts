import crypto from 'node:crypto';
import {
  scopeSatisfies,
  type AcceptInvitationResponse,
  type InvitationResponse,
  type Member,
  type PendingInvitation,
  type Role,
  type TenantResponse,
} from '@agentry/contracts';
import type { Config } from '../../config.js';
import type { Caller } from '../../platform/caller.js';
import { actorOf, type AuditActor, type AuditLog } from '../../platform/audit.js';
import { keyedHash, randomToken } from '../../platform/crypto.js';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { TenantsRepo } from './tenants.repo.js';
import type { TenantRow } from './tenants.tables.js';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** An account as other modules may see it: never its credentials. */
export interface AccountSummary {
  id: string;
  email: string;
  displayName: string | null;
}

/** What tenants needs to know of accounts without reading their tables (the auth module provides it). */
export interface AccountDirectory {
  /** The accounts among `userIds` that exist, in any order. */
  describe(userIds: string[]): Promise<AccountSummary[]>;
}

/** What tenants needs of sessions (the auth module provides it): ending a member's sessions in a tenant. */
export interface MemberSessionRevoker {
  revokeMemberSessions(tenantId: string, userId: string, reason: string): Promise<void>;
}

/** How many seats (members + pending invitations) a tenant may hold; the billing module provides it. */
export interface SeatPolicy {
  limit(db: DbOrTx, tenantId: string): Promise<number>;
}

export interface TenantsServiceDeps {
  config: Config;
  database: Database;
  repo: TenantsRepo;
  mailer: Mailer;
  accounts: AccountDirectory;
  sessions: MemberSessionRevoker;
  seats: SeatPolicy;
  audit: AuditLog;
}

/** Tenants, memberships and invitations: who belongs where, with which role. */
export class TenantsService {
  constructor(private readonly deps: TenantsServiceDeps) {}

  /** A new tenant with `ownerId` as its owner, inside the caller's transaction. */
  async createTenantWithOwner(tx: DbOrTx, input: { name: string; ownerId: string }) {
    const base =
      input.name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'team';
    const slug = `${base}-${crypto.randomBytes(3).toString('hex')}`;
    const tenant = await this.deps.repo.createTenant(tx, { slug, name: input.name });
    await this.deps.repo.addMembership(tx, tenant.id, input.ownerId, 'owner');
    return tenant;
  }

  /** Accepts an invitation for `email` inside the caller's transaction; null when invalid. */
  async acceptInvitation(
    tx: DbOrTx,
    input: { token: string; email: string; userId: string },
  ): Promise<{ tenantId: string; role: Role } | null> {
    const { repo } = this.deps;
    const hash = this.invitationHash(input.token);
    const pending = await repo.findPendingInvitation(tx, hash);
    if (!pending || pending.email.toLowerCase() !== input.email.toLowerCase()) return null;
    await this.assertSeatsWithin(tx, pending.tenantId, 0);
    const invitation = await repo.consumeInvitation(tx, hash);
    if (!invitation) return null;
    await repo.addMembership(tx, invitation.tenantId, input.userId, invitation.role as Role);
    await this.auditJoined(tx, invitation.tenantId, input.userId, invitation.role, invitation.id);
    return { tenantId: invitation.tenantId, role: invitation.role as Role };
  }

  /**
   * An existing account joins the tenant of an invitation addressed to its own e-mail. Unknown,
   * used or expired tokens are `invalid_token`; a live token addressed to someone else is
   * `not_found`, so holding a leaked token reveals nothing and cannot be redeemed by another user.
   */
  async acceptInvitationFor(caller: Caller, token: string): Promise<AcceptInvitationResponse> {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts cannot accept invitations.');
    const [account] = await this.deps.accounts.describe([caller.userId]);
    if (!account) throw new AppError('not_found', 'No such user.');
    const { repo } = this.deps;
    const hash = this.invitationHash(token);
    const invitation = await repo.findInvitation(this.db, hash);
    if (!invitation) throw invalidInvitation();
    if (invitation.email.toLowerCase() !== account.email.toLowerCase())
      throw new AppError('not_found', 'No such invitation.');
    if (invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) throw invalidInvitation();
    const userId = caller.userId;
    return this.db.transaction(async (tx) => {
      if (await repo.getMembership(tx, invitation.tenantId, userId)) {
        throw new AppError('conflict', 'You are already a member of this tenant.');
      }
      await this.assertSeatsWithin(tx, invitation.tenantId, 0);
      // The conditional update is the single-use guarantee: of two concurrent accepts, one wins.
      const consumed = await repo.consumeInvitation(tx, hash);
      if (!consumed) throw invalidInvitation();
      await repo.addMembership(tx, consumed.tenantId, userId, consumed.role as Role);
      await this.auditJoined(tx, consumed.tenantId, userId, consumed.role, consumed.id);
      const tenant = await repo.getTenant(tx, consumed.tenantId);
      if (!tenant) throw new AppError('not_found', 'No such tenant.');
      return { tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name }, role: consumed.role as Role };
    });
  }

  /**
   * Single sign-on of an invited address: consumes its pending invitation and adds the member with
   * the invitation's role, inside the caller's transaction; null when there is none.
   */
  async joinByInvitedEmail(tx: DbOrTx, tenantId: string, email: string, userId: string): Promise<Role | null> {
    await this.assertSeatsWithin(tx, tenantId, 0);
    const invitation = await this.deps.repo.consumeInvitationByEmail(tx, tenantId, email);
    if (!invitation) return null;
    await this.deps.repo.addMembership(tx, tenantId, userId, invitation.role as Role);
    await this.auditJoined(tx, tenantId, userId, invitation.role, invitation.id);
    return invitation.role as Role;
  }

  /** Single sign-on provisioning by domain: adds the member if a seat is free (409 `seat_limit_reached`). */
  async joinWithinSeats(tx: DbOrTx, tenantId: string, userId: string, role: Role, metadata: Record<string, string>) {
    await this.assertSeatsWithin(tx, tenantId, 1);
    await this.deps.repo.addMembership(tx, tenantId, userId, role);
    await this.deps.audit.record(tx, {
      tenantId,
      action: 'member.joined',
      actor: { type: 'user', id: userId },
      target: { type: 'user', id: userId },
      metadata: { role, ...metadata },
    });
    return role;
  }

  /** A tenant by id or slug (operators name tenants either way). */
  async findTenant(idOrSlug: string) {
    return this.deps.repo.findTenant(this.db, idOrSlug);
  }

  /** Adds a member inside the caller's transaction. */
  async addMember(tx: DbOrTx, tenantId: string, userId: string, role: Role) {
    await this.deps.repo.addMembership(tx, tenantId, userId, role);
  }

  async getTenant(tenantId: string) {
    return this.deps.repo.getTenant(this.db, tenantId);
  }

  async membershipsOf(userId: string) {
    return this.deps.repo.membershipsOfUser(this.db, userId);
  }

  /** Tenants for platform operators, by slug, a page at a time (`afterSlug` is the last of the previous page). */
  async listForOperator(options: { q?: string; status?: string; afterSlug?: string; limit: number }) {
    return this.deps.repo.listForOperator(this.db, options);
  }

  /**
   * Suspends or reactivates a tenant and records it in the tenant's audit log (actor: the
   * operator), in one transaction; undefined when there is no such tenant. The caller ends sessions
   * and tells the replicas afterwards.
   */
  async setStatus(
    tenantId: string,
    change: { status: 'suspended' | 'active'; reason: string | null },
    actor: AuditActor,
  ): Promise<TenantRow | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await this.deps.repo.getTenant(tx, tenantId);
      if (current?.status === 'deprovisioned')
        throw new AppError('conflict', 'This tenant is deprovisioned; its data is being deleted.');
      const row = await this.deps.repo.setStatus(tx, tenantId, {
        status: change.status,
        suspendedAt: change.status === 'suspended' ? new Date() : null,
        suspendReason: change.status === 'suspended' ? change.reason : null,
      });
      if (!row) return undefined;
      await this.deps.audit.record(tx, {
        tenantId,
        action: change.status === 'suspended' ? 'tenant.suspended' : 'tenant.reactivated',
        actor,
        target: { type: 'tenant', id: tenantId },
        metadata: change.reason ? { reason: change.reason } : {},
      });
      return row;
    });
  }

  /**
   * Marks the tenant deprovisioned (refused like a suspended one) with its deletion due at
   * `deleteAfter`; undefined when there is no such tenant. Idempotent: a second call keeps the first date.
   */
  async deprovision(tenantId: string, reason: string, deleteAfter: Date): Promise<TenantRow | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await this.deps.repo.getTenant(tx, tenantId);
      if (!current) return undefined;
      if (current.status === 'deprovisioned') return current;
      return this.deps.repo.setStatus(tx, tenantId, {
        status: 'deprovisioned',
        suspendedAt: current.suspendedAt ?? new Date(),
        suspendReason: reason,
        deleteAfter,
      });
    });
  }

  /** The deprovisioned tenants whose deletion is due at `now`. */
  async dueForDeletion(now: Date): Promise<string[]> {
    return this.deps.repo.dueForDeletion(this.db, now);
  }

  /** The tenant's status (`active`, `suspended`, `deprovisioned`) inside the caller's transaction; null when there is none. */
  async statusOf(tx: DbOrTx, tenantId: string): Promise<string | null> {
    return (await this.deps.repo.getTenant(tx, tenantId))?.status ?? null;
  }

  /** The user's role in the tenant, inside the caller's transaction; null when not a member. */
  async roleOf(tx: DbOrTx, tenantId: string, userId: string): Promise<Role | null> {
    return ((await this.deps.repo.getMembership(tx, tenantId, userId))?.role as Role | undefined) ?? null;
  }

  async current(caller: Caller): Promise<TenantResponse> {
    const t = await this.deps.repo.getTenant(this.db, caller.tenantId);
    if (!t) throw new AppError('not_found', 'No such tenant.');
    return { id: t.id, slug: t.slug, name: t.name, created_at: t.createdAt.toISOString() };
  }

  async listMembers(caller: Caller): Promise<Member[]> {
    return this.membersOf(caller.tenantId);
  }

  /** The tenant's members (a platform operator reads any tenant's; members only their own, above). */
  async membersOf(tenantId: string): Promise<Member[]> {
    const rows = await this.deps.repo.listMemberships(this.db, tenantId);
    const accounts = new Map((await this.deps.accounts.describe(rows.map((r) => r.userId))).map((a) => [a.id, a]));
    // A membership whose account no longer exists is not a member anyone can see or manage.
    return rows.flatMap((r) => {
      const account = accounts.get(r.userId);
      return account
        ? [
            {
              user_id: r.userId,
              email: account.email,
              display_name: account.displayName,
              role: r.role as Role,
              joined_at: r.createdAt.toISOString(),
            },
          ]
        : [];
    });
  }

  async invite(caller: Caller, input: { email: string; role: Role }): Promise<InvitationResponse> {
    this.assertMayGrant(caller, input.role);
    const tenant = await this.deps.repo.getTenant(this.db, caller.tenantId);
    if (!tenant) throw new AppError('not_found', 'No such tenant.');
    // Invitations mail any address: bounded per inviting user and per recipient (429 past that).
    await this.deps.mailer.spendBudget({
      sender: caller.userId ?? caller.subject,
      recipient: input.email,
      kind: 'invitation',
    });
    const token = `inv_${randomToken(32)}`;
    const row = await this.db.transaction(async (tx) => {
      await this.assertSeatsWithin(tx, caller.tenantId, 1);
      const row = await this.deps.repo.createInvitation(tx, {
        tenantId: caller.tenantId,
        email: input.email,
        role: input.role,
        tokenHash: this.invitationHash(token),
        invitedBy: caller.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      });
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'member.invited',
        actor: actorOf(caller),
        target: { type: 'invitation', id: row.id },
        metadata: { email: row.email, role: row.role },
      });
      return row;
    });
    const link = `${this.deps.config.http.publicWebUrl}/signup?invite=${encodeURIComponent(token)}`;
    await this.deps.mailer.send({
      to: input.email,
      kind: 'invitation',
      subject: 'You are invited to a workspace on Agentry', // no user-supplied text in subjects
      text:
        `You have been invited to join ${tenant.name} as ${input.role}.\n\nNew to Agentry? Create your account: ${link}\n\n` +
        `Already have an account? Sign in with this address and accept the invitation with this code:\n${token}\n\nThis invitation expires in 7 days.`,
    });
    return { id: row.id, email: row.email, role: row.role as Role, token, expires_at: row.expiresAt.toISOString() };
  }

  /** Seats in use (members + pending invitations) and the limit, as the members page shows them. */
  async seats(tenantId: string): Promise<{ used: number; limit: number }> {
    const [used, limit] = await Promise.all([
      this.deps.repo.countSeats(this.db, tenantId),
      this.deps.seats.limit(this.db, tenantId),
    ]);
    return { used, limit };
  }

  async listInvitations(caller: Caller): Promise<PendingInvitation[]> {
    const rows = await this.deps.repo.listPendingInvitations(this.db, caller.tenantId);
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      role: r.role as Role,
      created_at: r.createdAt.toISOString(),
      expires_at: r.expiresAt.toISOString(),
    }));
  }

  /** Revokes a pending invitation: its token stops working and its seat is free again. */
  async revokeInvitation(caller: Caller, id: string): Promise<void> {
    if (!(await this.deps.repo.revokeInvitation(this.db, caller.tenantId, id)))
      throw new AppError('not_found', 'No such pending invitation.');
  }

  async changeRole(caller: Caller, userId: string, role: Role): Promise<{ role: Role }> {
    const { repo } = this.deps;
    await this.db.transaction(async (tx) => {
      const owners = await repo.lockOwners(tx, caller.tenantId);
      const current = await repo.getMembership(tx, caller.tenantId, userId);
      if (!current) throw new AppError('not_found', 'No such member.');
      if (current.role === 'owner' || role === 'owner') this.assertMayGrant(caller, 'owner');
      if (current.role === 'owner' && role !== 'owner' && owners.length <= 1) {
        throw new AppError('conflict', 'The last owner of a tenant cannot be demoted.');
      }
      await repo.setRole(tx, caller.tenantId, userId, role);
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'member.role_changed',
        actor: actorOf(caller),
        target: { type: 'user', id: userId },
        metadata: { from: current.role, to: role },
      });
    });
    // Tokens carry the role: end the member's sessions so the new role applies at their next login.
    await this.deps.sessions.revokeMemberSessions(caller.tenantId, userId, 'role_changed');
    return { role };
  }

  async removeMember(caller: Caller, userId: string): Promise<void> {
    const { repo } = this.deps;
    await this.db.transaction(async (tx) => {
      const owners = await repo.lockOwners(tx, caller.tenantId);
      const current = await repo.getMembership(tx, caller.tenantId, userId);
      if (!current) throw new AppError('not_found', 'No such member.');
      if (current.role === 'owner') {
        this.assertMayGrant(caller, 'owner');
        if (owners.length <= 1) throw new AppError('conflict', 'The last owner of a tenant cannot be removed.');
      }
      await repo.removeMembership(tx, caller.tenantId, userId);
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'member.removed',
        actor: actorOf(caller),
        target: { type: 'user', id: userId },
        metadata: { role: current.role },
      });
    });
    await this.deps.sessions.revokeMemberSessions(caller.tenantId, userId, 'member_removed');
  }

  /**
   * Refuses (409 `seat_limit_reached`) when `adding` more seats would exceed the limit. The tenant
   * row is locked first, so concurrent invitations and joins at the boundary cannot both pass.
   */
  private async assertSeatsWithin(tx: DbOrTx, tenantId: string, adding: number) {
    await this.deps.repo.lockTenant(tx, tenantId);
    const used = await this.deps.repo.countSeats(tx, tenantId);
    const limit = await this.deps.seats.limit(tx, tenantId);
    if (used + adding > limit)
      throw new AppError(
        'seat_limit_reached',
        `This workspace uses ${used} of its ${limit} seats: add seats to the subscription, or revoke a pending invitation.`,
        { details: { used, limit } },
      );
  }

  private auditJoined(tx: DbOrTx, tenantId: string, userId: string, role: string, invitationId: string) {
    return this.deps.audit.record(tx, {
      tenantId,
      action: 'member.joined',
      actor: { type: 'user', id: userId },
      target: { type: 'user', id: userId },
      metadata: { role, invitation_id: invitationId },
    });
  }

  /** Only a caller with `tenant:manage` (an owner) may make or unmake owners. */
  private assertMayGrant(caller: Caller, role: Role) {
    if (role === 'owner' && !scopeSatisfies(caller.scopes, 'tenant:manage')) {
      throw new AppError('insufficient_scope', 'Only an owner can grant or change the owner role.', {
        details: { required_scope: 'tenant:manage' },
      });
    }
  }

  private get db() {
    return this.deps.database.db;
  }

  private invitationHash(token: string) {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, `invitation:${token}`);
  }
}

function invalidInvitation() {
  return new AppError('invalid_token', 'The invitation is invalid, used or expired.', { status: 400 });
}
