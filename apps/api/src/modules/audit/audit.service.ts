import type { AuditEvent, AuditEventPage } from '@agentry/contracts';
import type { Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import type { AuditEventRow, AuditFilters, AuditRepo } from './audit.repo.js';

const EXPORT_PAGE = 1000;

/** The CSV columns of an export, in order. */
export const CSV_COLUMNS = [
  'id',
  'created_at',
  'action',
  'actor_type',
  'actor_id',
  'actor_email',
  'target_type',
  'target_id',
  'ip_masked',
  'user_agent',
  'request_id',
  'metadata',
] as const;

/** Reading the audit log: this tenant's events only, newest first; exports a page at a time. */
export class AuditService {
  constructor(private readonly deps: { database: Database; repo: AuditRepo }) {}

  async list(
    caller: Caller,
    query: { limit: number; cursor?: string; action?: string; actor_id?: string; since?: string },
  ): Promise<AuditEventPage> {
    const before = query.cursor ? decodeAuditCursor(query.cursor) : undefined;
    const rows = await this.deps.repo.page(this.deps.database.db, caller.tenantId, {
      ...filtersOf(query),
      before,
      limit: query.limit + 1,
    });
    const more = rows.length > query.limit;
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toAuditEvent),
      next_cursor: more && last ? encodeAuditCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** The tenant's events (newest first) as NDJSON or CSV chunks, one database page per chunk. */
  async *export(
    caller: Caller,
    query: { format: 'ndjson' | 'csv'; since?: string; action?: string },
  ): AsyncGenerator<string> {
    const filters = filtersOf(query);
    if (query.format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
    let before: AuditEventRow | undefined;
    for (;;) {
      const page = await this.deps.repo.page(this.deps.database.db, caller.tenantId, {
        ...filters,
        before: before ? { createdAt: before.createdAt, id: before.id } : undefined,
        limit: EXPORT_PAGE,
      });
      if (page.length === 0) return;
      yield query.format === 'csv'
        ? page.map(csvLine).join('')
        : page.map((r) => `${JSON.stringify(toAuditEvent(r))}\n`).join('');
      if (page.length < EXPORT_PAGE) return;
      before = page[page.length - 1];
    }
  }
}

function filtersOf(query: { action?: string; actor_id?: string; since?: string }): AuditFilters {
  return {
    action: query.action,
    actorId: query.actor_id,
    since: query.since ? new Date(query.since) : undefined,
  };
}

export function toAuditEvent(r: AuditEventRow): AuditEvent {
  return {
    id: r.id,
    action: r.action,
    actor: { type: r.actorType as AuditEvent['actor']['type'], id: r.actorId, email: r.actorEmail },
    target: r.targetType ? { type: r.targetType, id: r.targetId } : null,
    ip_masked: r.ipMasked,
    user_agent: r.userAgent,
    request_id: r.requestId,
    metadata: r.metadata ?? {},
    created_at: r.createdAt.toISOString(),
  };
}

function csvLine(r: AuditEventRow): string {
  const values = [
    r.id,
    r.createdAt.toISOString(),
    r.action,
    r.actorType,
    r.actorId,
    r.actorEmail,
    r.targetType,
    r.targetId,
    r.ipMasked,
    r.userAgent,
    r.requestId,
    JSON.stringify(r.metadata ?? {}),
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
