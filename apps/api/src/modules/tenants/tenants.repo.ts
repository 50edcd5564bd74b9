import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Role } from '@agentry/contracts';
import type { DbOrTx } from '../../platform/db/client.js';
import { profiles, users } from '../auth/auth.tables.js';
import { invitations, memberships, tenants, type InvitationRow, type TenantRow } from './tenants.tables.js';

/** SQL for tenants, memberships and invitations. Every method scoped to a tenant takes its id. */
export class TenantsRepo {
  constructor(private readonly db: DbOrTx) {}

  with(tx: DbOrTx) {
    return new TenantsRepo(tx);
  }

  async createTenant(input: { slug: string; name: string }): Promise<TenantRow> {
    const [row] = await this.db.insert(tenants).values(input).returning();
    return row;
  }

  async getTenant(tenantId: string): Promise<TenantRow | undefined> {
    const [row] = await this.db.select().from(tenants).where(eq(tenants.id, tenantId));
    return row;
  }

  async findTenant(idOrSlug: string): Promise<TenantRow | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
    const [row] = await this.db.select().from(tenants).where(isUuid ? eq(tenants.id, idOrSlug) : eq(tenants.slug, idOrSlug));
    return row;
  }

  async addMembership(tenantId: string, userId: string, role: Role): Promise<void> {
    await this.db.insert(memberships).values({ tenantId, userId, role });
  }

  async getMembership(tenantId: string, userId: string) {
    const [row] = await this.db.select().from(memberships).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
    return row;
  }

  /** A user's memberships across tenants (login decides which tenant the session is for). */
  async membershipsOfUser(userId: string) {
    return this.db.select().from(memberships).where(eq(memberships.userId, userId)).orderBy(asc(memberships.createdAt));
  }

  async listMembers(tenantId: string) {
    return this.db
      .select({ userId: memberships.userId, role: memberships.role, joinedAt: memberships.createdAt, email: users.email, displayName: profiles.displayName })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(profiles, eq(profiles.userId, memberships.userId))
      .where(eq(memberships.tenantId, tenantId))
      .orderBy(asc(memberships.createdAt));
  }

  /** Locks the tenant's owner rows so two concurrent demotions cannot both pass the last-owner rule. */
  async lockOwners(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, 'owner')))
      .for('update');
    return rows.map((r) => r.userId);
  }

  async setRole(tenantId: string, userId: string, role: Role): Promise<boolean> {
    const rows = await this.db.update(memberships).set({ role }).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))).returning({ userId: memberships.userId });
    return rows.length > 0;
  }

  async removeMembership(tenantId: string, userId: string): Promise<boolean> {
    const rows = await this.db.delete(memberships).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))).returning({ userId: memberships.userId });
    return rows.length > 0;
  }

  async createInvitation(input: { tenantId: string; email: string; role: Role; tokenHash: string; invitedBy: string | null; expiresAt: Date }): Promise<InvitationRow> {
    const [row] = await this.db.insert(invitations).values(input).returning();
    return row;
  }

  /** Marks a pending, unexpired invitation accepted and returns it; null when there is none. */
  async consumeInvitation(tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await this.db
      .update(invitations)
      .set({ acceptedAt: sql`now()` })
      .where(and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`)))
      .returning();
    return row ?? null;
  }

  /** The invitation of a token whatever its state (accepted, expired), to tell those apart. */
  async findInvitation(tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await this.db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash));
    return row ?? null;
  }

  async findPendingInvitation(tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await this.db
      .select()
      .from(invitations)
      .where(and(eq(invitations.tokenHash, tokenHash), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`)));
    return row ?? null;
  }
}
