import crypto from 'node:crypto';
import { scopeSatisfies, type AcceptInvitationResponse, type InvitationResponse, type Member, type Role, type TenantResponse } from '@agentry/contracts';
import type { Config } from '../../config.js';
import type { Database, DbOrTx } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { Caller } from '../../platform/caller.js';
import { keyedHash, randomToken } from '../../platform/crypto.js';
import type { Mailer } from '../mail/mailer.js';
import { TenantsRepo } from './tenants.repo.js';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** What tenants needs from auth without depending on it: ending a removed member's sessions. */
export interface MemberSessionRevoker {
  revokeMemberSessions(tenantId: string, userId: string, reason: string): Promise<void>;
}

/** What tenants needs to know of an account without reading auth's tables: its e-mail. */
export interface AccountDirectory {
  emailOf(userId: string): Promise<string | null>;
}

/** Tenants, memberships and invitations: who belongs where, with which role. */
export class TenantsService {
  private readonly repo: TenantsRepo;
  private revoker: MemberSessionRevoker | undefined;

  constructor(
    private readonly deps: { database: Database; config: Config; mailer: Mailer; accounts: AccountDirectory },
  ) {
    this.repo = new TenantsRepo(deps.database.db);
  }

  /** Set once the auth module exists (it depends on this service, so it is wired after). */
  useSessionRevoker(revoker: MemberSessionRevoker) {
    this.revoker = revoker;
  }

  /** A new tenant with `ownerId` as its owner, inside the caller's transaction. */
  async createTenantWithOwner(tx: DbOrTx, input: { name: string; ownerId: string }) {
    const base = input.name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'team';
    const slug = `${base}-${crypto.randomBytes(3).toString('hex')}`;
    const repo = this.repo.with(tx);
    const tenant = await repo.createTenant({ slug, name: input.name });
    await repo.addMembership(tenant.id, input.ownerId, 'owner');
    return tenant;
  }

  /** Accepts an invitation for `email` inside the caller's transaction; null when invalid. */
  async acceptInvitation(tx: DbOrTx, input: { token: string; email: string; userId: string }): Promise<{ tenantId: string; role: Role } | null> {
    const repo = this.repo.with(tx);
    const hash = this.invitationHash(input.token);
    const pending = await repo.findPendingInvitation(hash);
    if (!pending || pending.email.toLowerCase() !== input.email.toLowerCase()) return null;
    const invitation = await repo.consumeInvitation(hash);
    if (!invitation) return null;
    await repo.addMembership(invitation.tenantId, input.userId, invitation.role as Role);
    return { tenantId: invitation.tenantId, role: invitation.role as Role };
  }

  /**
   * An existing account joins the tenant of an invitation addressed to its own e-mail. Unknown,
   * used or expired tokens are `invalid_token`; a live token addressed to someone else is
   * `not_found`, so holding a leaked token reveals nothing and cannot be redeemed by another user.
   */
  async acceptInvitationFor(caller: Caller, token: string): Promise<AcceptInvitationResponse> {
    if (!caller.userId) throw new AppError('forbidden', 'Service accounts cannot accept invitations.');
    const email = await this.deps.accounts.emailOf(caller.userId);
    if (!email) throw new AppError('not_found', 'No such user.');
    const hash = this.invitationHash(token);
    const invitation = await this.repo.findInvitation(hash);
    if (!invitation) throw invalidInvitation();
    if (invitation.email.toLowerCase() !== email.toLowerCase()) throw new AppError('not_found', 'No such invitation.');
    if (invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) throw invalidInvitation();
    const userId = caller.userId;
    return this.deps.database.db.transaction(async (tx) => {
      const repo = this.repo.with(tx);
      if (await repo.getMembership(invitation.tenantId, userId)) {
        throw new AppError('conflict', 'You are already a member of this tenant.');
      }
      // The conditional update is the single-use guarantee: of two concurrent accepts, one wins.
      const consumed = await repo.consumeInvitation(hash);
      if (!consumed) throw invalidInvitation();
      await repo.addMembership(consumed.tenantId, userId, consumed.role as Role);
      const tenant = await repo.getTenant(consumed.tenantId);
      if (!tenant) throw new AppError('not_found', 'No such tenant.');
      return { tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name }, role: consumed.role as Role };
    });
  }

  /** A tenant by id or slug (operators name tenants either way). */
  async findTenant(idOrSlug: string) {
    return this.repo.findTenant(idOrSlug);
  }

  async addMember(tx: DbOrTx, tenantId: string, userId: string, role: Role) {
    await this.repo.with(tx).addMembership(tenantId, userId, role);
  }

  async getTenant(tenantId: string) {
    return this.repo.getTenant(tenantId);
  }

  async membershipsOf(userId: string) {
    return this.repo.membershipsOfUser(userId);
  }

  /** The user's role in the tenant (inside the caller's transaction when given), or null. */
  async roleOf(tenantId: string, userId: string, tx?: DbOrTx): Promise<Role | null> {
    const repo = tx ? this.repo.with(tx) : this.repo;
    return ((await repo.getMembership(tenantId, userId))?.role as Role | undefined) ?? null;
  }

  async current(caller: Caller): Promise<TenantResponse> {
    const t = await this.repo.getTenant(caller.tenantId);
    if (!t) throw new AppError('not_found', 'No such tenant.');
    return { id: t.id, slug: t.slug, name: t.name, created_at: t.createdAt.toISOString() };
  }

  async listMembers(caller: Caller): Promise<Member[]> {
    const rows = await this.repo.listMembers(caller.tenantId);
    return rows.map((r) => ({ user_id: r.userId, email: r.email, display_name: r.displayName, role: r.role as Role, joined_at: r.joinedAt.toISOString() }));
  }

  async invite(caller: Caller, input: { email: string; role: Role }): Promise<InvitationResponse> {
    this.assertMayGrant(caller, input.role);
    const tenant = await this.repo.getTenant(caller.tenantId);
    if (!tenant) throw new AppError('not_found', 'No such tenant.');
    const token = `inv_${randomToken(32)}`;
    const row = await this.repo.createInvitation({
      tenantId: caller.tenantId, email: input.email, role: input.role, tokenHash: this.invitationHash(token),
      invitedBy: caller.userId, expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
    const link = `${this.deps.config.http.publicWebUrl}/signup?invite=${encodeURIComponent(token)}`;
    await this.deps.mailer.send({
      to: input.email, kind: 'invitation', subject: `You are invited to ${tenant.name} on Agentry`,
      text: `You have been invited to join ${tenant.name} as ${input.role}.\n\nNew to Agentry? Create your account: ${link}\n\n`
        + `Already have an account? Sign in with this address and accept the invitation with this code:\n${token}\n\nThis invitation expires in 7 days.`,
    });
    return { id: row.id, email: row.email, role: row.role as Role, token, expires_at: row.expiresAt.toISOString() };
  }

  async changeRole(caller: Caller, userId: string, role: Role): Promise<{ role: Role }> {
    await this.deps.database.db.transaction(async (tx) => {
      const repo = this.repo.with(tx);
      const owners = await repo.lockOwners(caller.tenantId);
      const current = await repo.getMembership(caller.tenantId, userId);
      if (!current) throw new AppError('not_found', 'No such member.');
      if (current.role === 'owner' || role === 'owner') this.assertMayGrant(caller, 'owner');
      if (current.role === 'owner' && role !== 'owner' && owners.length <= 1) {
        throw new AppError('conflict', 'The last owner of a tenant cannot be demoted.');
      }
      await repo.setRole(caller.tenantId, userId, role);
    });
    // Tokens carry the role: end the member's sessions so the new role applies at their next login.
    await this.revoker?.revokeMemberSessions(caller.tenantId, userId, 'role_changed');
    return { role };
  }

  async removeMember(caller: Caller, userId: string): Promise<void> {
    await this.deps.database.db.transaction(async (tx) => {
      const repo = this.repo.with(tx);
      const owners = await repo.lockOwners(caller.tenantId);
      const current = await repo.getMembership(caller.tenantId, userId);
      if (!current) throw new AppError('not_found', 'No such member.');
      if (current.role === 'owner') {
        this.assertMayGrant(caller, 'owner');
        if (owners.length <= 1) throw new AppError('conflict', 'The last owner of a tenant cannot be removed.');
      }
      await repo.removeMembership(caller.tenantId, userId);
    });
    await this.revoker?.revokeMemberSessions(caller.tenantId, userId, 'member_removed');
  }

  /** Only a caller with `tenant:manage` (an owner) may make or unmake owners. */
  private assertMayGrant(caller: Caller, role: Role) {
    if (role === 'owner' && !scopeSatisfies(caller.scopes, 'tenant:manage')) {
      throw new AppError('insufficient_scope', 'Only an owner can grant or change the owner role.', { details: { required_scope: 'tenant:manage' } });
    }
  }

  private invitationHash(token: string) {
    return keyedHash(this.deps.config.auth.refreshTokenPepper, `invitation:${token}`);
  }
}

function invalidInvitation() {
  return new AppError('invalid_token', 'The invitation is invalid, used or expired.', { status: 400 });
}
