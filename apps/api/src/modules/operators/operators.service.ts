import type {
  Member,
  PlatformTenant,
  PlatformTenantDetail,
  PlatformTenantList,
  Subscription,
  UsageResponse,
} from '@agentry/contracts';
import type { AuditActor } from '../../platform/audit.js';
import type { Caller } from '../../platform/caller.js';
import { AppError } from '../../platform/errors.js';
import type { TenantRow } from '../tenants/tenants.tables.js';

/** What operators need of tenants (the tenants module's service provides it). */
export interface OperatorTenants {
  listForOperator(options: {
    q?: string;
    status?: string;
    afterSlug?: string;
    limit: number;
  }): Promise<(TenantRow & { memberCount: number })[]>;
  getTenant(tenantId: string): Promise<TenantRow | undefined>;
  membersOf(tenantId: string): Promise<Member[]>;
  deprovision(tenantId: string, reason: string, deleteAfter: Date): Promise<TenantRow | undefined>;
  dueForDeletion(now: Date): Promise<string[]>;
  setStatus(
    tenantId: string,
    change: { status: 'suspended' | 'active'; reason: string | null },
    actor: AuditActor,
  ): Promise<TenantRow | undefined>;
}

/** What operators see of a tenant's billing (the billing module provides it); null without one. */
export interface OperatorBilling {
  subscriptionOf(tenantId: string): Promise<Subscription | null>;
  usageOf(tenantId: string): Promise<UsageResponse | null>;
  /** Cancels the tenant's subscription at once, idempotently; nothing without one or with billing off. */
  cancelNow(tenantId: string): Promise<void>;
  /** Ends the tenant's open billing streams on every replica. */
  closeTenantStreams(tenantId: string): Promise<void>;
}

export interface OperatorsServiceDeps {
  tenants: OperatorTenants;
  billing: OperatorBilling;
  /** Ends every session of a tenant, on every replica. */
  sessions: { revokeTenantSessions(tenantId: string, reason: string): Promise<void> };
  /** Ends the tenant's running runs on every replica (`run.failed` `tenant_suspended`). */
  runs: { endTenantRuns(tenantId: string): Promise<void> };
  /** Deletes a deprovisioned tenant's rows (at once when the retention is 0 days). */
  deletion: { deleteTenant(tenantId: string): Promise<void> };
  /** `TENANT_DATA_RETENTION_DAYS`. */
  retentionDays: number;
  /** Tells every replica a tenant's status changed (the auth guard refuses suspended tenants). */
  status: { publish(tenantId: string, status: 'suspended' | 'active'): Promise<void> };
}

/**
 * Platform operators (`platform:operator`): list and read any tenant, suspend and reactivate one.
 * Their routes are in no tenant; every action is recorded in the affected tenant's audit log with
 * actor type `operator`.
 */
export class OperatorsService {
  constructor(private readonly deps: OperatorsServiceDeps) {}

  async list(query: { q?: string; status?: string; limit: number; cursor?: string }): Promise<PlatformTenantList> {
    const afterSlug = query.cursor ? decodeSlugCursor(query.cursor) : undefined;
    const rows = await this.deps.tenants.listForOperator({ ...query, afterSlug, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const items = await Promise.all(page.map((r) => this.summary(r, r.memberCount)));
    const last = page[page.length - 1];
    return {
      items,
      next_cursor: rows.length > query.limit && last ? Buffer.from(last.slug).toString('base64url') : null,
    };
  }

  async get(tenantId: string): Promise<PlatformTenantDetail> {
    const row = await this.deps.tenants.getTenant(tenantId);
    if (!row) throw new AppError('not_found', 'No such tenant.');
    const [members, subscription, usage] = await Promise.all([
      this.deps.tenants.membersOf(tenantId),
      this.deps.billing.subscriptionOf(tenantId),
      this.deps.billing.usageOf(tenantId),
    ]);
    return {
      ...(await this.summary(row, members.length, subscription)),
      suspended_at: row.suspendedAt?.toISOString() ?? null,
      suspend_reason: row.suspendReason,
      delete_after: row.deleteAfter?.toISOString() ?? null,
      members,
      subscription,
      usage,
    };
  }

  /** Suspends: the status (audited), then every session ended and every replica told. */
  async suspend(caller: Caller, tenantId: string, reason: string) {
    const row = await this.deps.tenants.setStatus(tenantId, { status: 'suspended', reason }, operatorOf(caller));
    if (!row) throw new AppError('not_found', 'No such tenant.');
    await this.deps.status.publish(tenantId, 'suspended');
    await this.deps.sessions.revokeTenantSessions(tenantId, 'tenant_suspended');
    // Their followers get the terminal run.failed, so the tenant's open run streams end with them;
    // its billing streams are closed.
    await this.deps.runs.endTenantRuns(tenantId);
    await this.deps.billing.closeTenantStreams(tenantId);
    return {
      id: row.id,
      status: 'suspended' as const,
      reason,
      suspended_at: (row.suspendedAt ?? new Date()).toISOString(),
    };
  }

  /**
   * Deprovisions: refused like a suspension from now on (sessions and runs ended), the Stripe
   * subscription cancelled at once, and every row deleted after the retention (at once with 0 days).
   * Repeating it is harmless: the first deletion date stays.
   */
  async deprovision(_caller: Caller, tenantId: string, reason: string) {
    const deleteAfter = new Date(Date.now() + this.deps.retentionDays * 86_400_000);
    const row = await this.deps.tenants.deprovision(tenantId, reason, deleteAfter);
    if (!row) throw new AppError('not_found', 'No such tenant.');
    await this.deps.status.publish(tenantId, 'suspended');
    await this.deps.sessions.revokeTenantSessions(tenantId, 'tenant_deprovisioned');
    await this.deps.runs.endTenantRuns(tenantId);
    await this.deps.billing.closeTenantStreams(tenantId);
    await this.deps.billing.cancelNow(tenantId);
    const due = row.deleteAfter ?? deleteAfter;
    if (due.getTime() <= Date.now()) await this.deps.deletion.deleteTenant(tenantId);
    return { id: tenantId, status: 'deprovisioned' as const, delete_after: due.toISOString() };
  }

  /**
   * Deletes a tenant at once, the way deprovisioning with a 0-day retention does (access refused on
   * every replica, sessions and runs ended, subscription cancelled, every row deleted): for a tenant
   * left without members when its last member deletes their account.
   */
  async deleteAbandoned(tenantId: string, reason: string): Promise<void> {
    if (!(await this.deps.tenants.deprovision(tenantId, reason, new Date()))) return;
    await this.deps.status.publish(tenantId, 'suspended');
    await this.deps.sessions.revokeTenantSessions(tenantId, 'tenant_deleted');
    await this.deps.runs.endTenantRuns(tenantId);
    await this.deps.billing.closeTenantStreams(tenantId);
    await this.deps.billing.cancelNow(tenantId);
    await this.deps.deletion.deleteTenant(tenantId);
  }

  /** Reactivates: access is restored; the sessions ended by the suspension stay ended. */
  async reactivate(caller: Caller, tenantId: string) {
    const row = await this.deps.tenants.setStatus(tenantId, { status: 'active', reason: null }, operatorOf(caller));
    if (!row) throw new AppError('not_found', 'No such tenant.');
    await this.deps.status.publish(tenantId, 'active');
    return { id: row.id, status: 'active' as const };
  }

  private async summary(
    row: TenantRow,
    memberCount: number,
    subscription?: Subscription | null,
  ): Promise<PlatformTenant> {
    const sub = subscription === undefined ? await this.deps.billing.subscriptionOf(row.id) : subscription;
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status === 'suspended' || row.status === 'deprovisioned' ? row.status : 'active',
      created_at: row.createdAt.toISOString(),
      member_count: memberCount,
      plan_code: sub?.plan_code ?? null,
    };
  }
}

function operatorOf(caller: Caller): AuditActor {
  return { type: 'operator', id: caller.userId };
}

/** The list's cursor: base64url of the last slug of a page; anything else is 400 `invalid_cursor`. */
function decodeSlugCursor(raw: string): string {
  const slug = /^[A-Za-z0-9_-]+$/.test(raw) ? Buffer.from(raw, 'base64url').toString('utf8') : '';
  if (!/^[a-z0-9-]{1,100}$/.test(slug)) throw new AppError('invalid_cursor', 'The cursor is not valid.');
  return slug;
}
