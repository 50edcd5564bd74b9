import { and, asc, countDistinct, desc, eq, gt, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Role } from '@agentry/contracts';
import type { DbOrTx } from '../../platform/db/client.js';
import { isUuid } from '../../platform/ids.js';
import {
  invitations,
  memberships,
  tenants,
  type InvitationRow,
  type MembershipRow,
  type TenantRow,
} from './tenants.tables.js';

/**
 * SQL for tenants, memberships and invitations. Every method takes the connection first — the
 * caller's transaction or the database — and, when scoped to a tenant, its id. The repository
 * holds no connection and never opens a transaction.
 */
export class TenantsRepo {
  async createTenant(db: DbOrTx, input: { slug: string; name: string }): Promise<TenantRow> {
    const [row] = await db.insert(tenants).values(input).returning();
    return row;
  }

  async getTenant(db: DbOrTx, tenantId: string): Promise<TenantRow | undefined> {
    const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
    return row;
  }

  async findTenant(db: DbOrTx, idOrSlug: string): Promise<TenantRow | undefined> {
    const [row] = await db
      .select()
      .from(tenants)
      .where(isUuid(idOrSlug) ? eq(tenants.id, idOrSlug) : eq(tenants.slug, idOrSlug));
    return row;
  }

  /**
   * Tenants for platform operators, by slug (the cursor is the last slug of a page), with their member
   * counts; `q` matches the slug or name (case-insensitively) or is the id.
   */
  async listForOperator(
    db: DbOrTx,
    options: { q?: string; status?: string; afterSlug?: string; limit: number },
  ): Promise<(TenantRow & { memberCount: number })[]> {
    const pattern = options.q ? `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    return db
      .select({
        id: tenants.id,
        slug: tenants.slug,
        name: tenants.name,
        status: tenants.status,
        suspendedAt: tenants.suspendedAt,
        suspendReason: tenants.suspendReason,
        deleteAfter: tenants.deleteAfter,
        createdAt: tenants.createdAt,
        memberCount: sql<number>`(select count(*)::int from ${memberships} m where m.tenant_id = ${tenants.id})`,
      })
      .from(tenants)
      .where(
        and(
          pattern
            ? or(
                sql`${tenants.slug} ilike ${pattern}`,
                sql`${tenants.name} ilike ${pattern}`,
                options.q && isUuid(options.q) ? eq(tenants.id, options.q) : undefined,
              )
            : undefined,
          options.status ? eq(tenants.status, options.status) : undefined,
          options.afterSlug ? gt(tenants.slug, options.afterSlug) : undefined,
        ),
      )
      .orderBy(asc(tenants.slug))
      .limit(options.limit);
  }

  /** Sets the tenant's status; returns the row, or undefined when there is no such tenant. */
  async setStatus(
    db: DbOrTx,
    tenantId: string,
    values: { status: string; suspendedAt: Date | null; suspendReason: string | null; deleteAfter?: Date | null },
  ): Promise<TenantRow | undefined> {
    const [row] = await db.update(tenants).set(values).where(eq(tenants.id, tenantId)).returning();
    return row;
  }

  /** Deprovisioned tenants whose deletion is due. */
  async dueForDeletion(db: DbOrTx, now: Date): Promise<string[]> {
    const rows = await db
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(eq(tenants.status, 'deprovisioned'), lte(tenants.deleteAfter, now)));
    return rows.map((r) => r.id);
  }

  /** Ids of the tenants whose tokens are refused (suspended or deprovisioned). */
  async suspendedIds(db: DbOrTx): Promise<string[]> {
    const rows = await db.select({ id: tenants.id }).from(tenants).where(ne(tenants.status, 'active'));
    return rows.map((r) => r.id);
  }

  async addMembership(db: DbOrTx, tenantId: string, userId: string, role: Role): Promise<void> {
    await db.insert(memberships).values({ tenantId, userId, role });
  }

  async getMembership(db: DbOrTx, tenantId: string, userId: string) {
    const [row] = await db
      .select()
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
    return row;
  }

  /** A user's memberships across tenants (login decides which tenant the session is for). */
  async membershipsOfUser(db: DbOrTx, userId: string) {
    return db.select().from(memberships).where(eq(memberships.userId, userId)).orderBy(asc(memberships.createdAt));
  }

  /** The tenant's memberships, oldest first (who the users are is the accounts directory's to say). */
  async listMemberships(db: DbOrTx, tenantId: string): Promise<MembershipRow[]> {
    return db.select().from(memberships).where(eq(memberships.tenantId, tenantId)).orderBy(asc(memberships.createdAt));
  }

  /** Locks the tenant's owner rows so two concurrent demotions cannot both pass the last-owner rule. */
  async lockOwners(db: DbOrTx, tenantId: string): Promise<string[]> {
    const rows = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, 'owner')))
      .for('update');
    return rows.map((r) => r.userId);
  }

  async setRole(db: DbOrTx, tenantId: string, userId: string, role: Role): Promise<boolean> {
    const rows = await db
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
      .returning({ userId: memberships.userId });
    return rows.length > 0;
  }

  async removeMembership(db: DbOrTx, tenantId: string, userId: string): Promise<boolean> {
    const rows = await db
      .delete(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
      .returning({ userId: memberships.userId });
    return rows.length > 0;
  }

  async createInvitation(
    db: DbOrTx,
    input: {
      tenantId: string;
      email: string;
      role: Role;
      tokenHash: string;
      invitedBy: string | null;
      expiresAt: Date;
    },
  ): Promise<InvitationRow> {
    const [row] = await db.insert(invitations).values(input).returning();
    return row;
  }

  /** Marks a pending, unexpired invitation accepted and returns it; null when there is none. */
  async consumeInvitation(db: DbOrTx, tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await db
      .update(invitations)
      .set({ acceptedAt: sql`now()` })
      .where(
        and(
          eq(invitations.tokenHash, tokenHash),
          isNull(invitations.acceptedAt),
          gt(invitations.expiresAt, sql`now()`),
        ),
      )
      .returning();
    return row ?? null;
  }

  /** Consumes the pending, unexpired invitation of `email` to the tenant (SSO sign-in); null when none. */
  async consumeInvitationByEmail(db: DbOrTx, tenantId: string, email: string): Promise<InvitationRow | null> {
    const [pending] = await db
      .select()
      .from(invitations)
      .where(and(pendingOf(tenantId), sql`lower(${invitations.email}) = ${email.toLowerCase()}`))
      .orderBy(desc(invitations.createdAt))
      .limit(1);
    return pending ? this.consumeInvitation(db, pending.tokenHash) : null;
  }

  /** The invitation of a token whatever its state (accepted, expired), to tell those apart. */
  async findInvitation(db: DbOrTx, tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash));
    return row ?? null;
  }

  async findPendingInvitation(db: DbOrTx, tokenHash: string): Promise<InvitationRow | null> {
    const [row] = await db
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tokenHash, tokenHash),
          isNull(invitations.acceptedAt),
          gt(invitations.expiresAt, sql`now()`),
        ),
      );
    return row ?? null;
  }

  /** Locks the tenant row: seat checks of concurrent invitations and joins run one at a time. */
  async lockTenant(tx: DbOrTx, tenantId: string): Promise<void> {
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update');
  }

  /** Seats in use: members plus pending invitations (one per invited address). */
  async countSeats(db: DbOrTx, tenantId: string): Promise<number> {
    const [members] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(memberships)
      .where(eq(memberships.tenantId, tenantId));
    const [pending] = await db
      .select({ n: countDistinct(sql`lower(${invitations.email})`) })
      .from(invitations)
      .where(pendingOf(tenantId));
    return Number(members.n) + Number(pending.n);
  }

  async listPendingInvitations(db: DbOrTx, tenantId: string): Promise<InvitationRow[]> {
    return db.select().from(invitations).where(pendingOf(tenantId)).orderBy(desc(invitations.createdAt));
  }

  /** Deletes a pending invitation of the tenant (its token stops working); false when there is none. */
  async revokeInvitation(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await db
      .delete(invitations)
      .where(and(eq(invitations.id, id), pendingOf(tenantId)))
      .returning({ id: invitations.id });
    return rows.length > 0;
  }
}

function pendingOf(tenantId: string) {
  return and(eq(invitations.tenantId, tenantId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`));
}
