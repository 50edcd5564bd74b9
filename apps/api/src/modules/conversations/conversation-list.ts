import type { ConversationSummary } from '@agentry/contracts';
import type { Database } from '../../platform/db/client.js';
import { type PreparedText, preparedText, queryArrays } from '../../platform/db/prepared.js';
import type { ListCursor } from './conversations.repo.js';

/**
 * `GET /conversations`, the hottest read: its SQL is written once per filter shape (with or without
 * a cursor, with or without `q`) and run as a named prepared statement, so a request builds no query
 * and maps no row through the ORM. PostgreSQL formats the timestamps as the API writes them (ISO
 * 8601, UTC, milliseconds — the columns' precision — exactly `Date#toISOString` for every date
 * `now()` can give), so each row becomes a summary with no parsing in between.
 *
 * Parameters: $1 tenant, $2 owner, $3 limit; with a cursor $4 updated_at and $5 id of the last row
 * of the previous page; `q` is the last parameter. Ordering and tenant isolation are those of every
 * other conversation read: `tenant_id` and `user_id` on the list, `tenant_id` on the messages the
 * search looks into.
 */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const SELECT = `select c.id, c.title, c.agent, c.message_count, c.last_message_preview, ${iso('c.created_at')}, ${iso('c.updated_at')}
from conversations c where c.tenant_id = $1::uuid and c.user_id = $2::uuid`;
// A row comparison: the next page starts strictly after (updated_at, id) in the index's order.
const AFTER = ` and (c.updated_at, c.id) < ($4::timestamptz, $5::uuid)`;
const search = (
  q: string,
) => ` and (exists (select 1 from messages m where m.conversation_id = c.id and m.tenant_id = $1::uuid
    and to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', ${q}::text))
  or to_tsvector('simple', c.title) @@ websearch_to_tsquery('simple', ${q}::text))`;
const ORDER = ` order by c.updated_at desc, c.id desc limit $3::int`;

/** The first page's SQL, exported for bench/floor's bare route (the same SQL, as a bare `pg` route runs it). */
export const FIRST_PAGE_SQL = SELECT + ORDER;

const statements: Record<'first' | 'after' | 'search' | 'searchAfter', PreparedText> = {
  first: preparedText('conversations_list', FIRST_PAGE_SQL),
  after: preparedText('conversations_list_after', SELECT + AFTER + ORDER),
  search: preparedText('conversations_list_search', SELECT + search('$4') + ORDER),
  searchAfter: preparedText('conversations_list_search_after', SELECT + AFTER + search('$6') + ORDER),
};

/** Up to `limit` of the owner's conversations in the tenant, newest activity first, after `cursor`. */
export async function listConversations(
  database: Database,
  tenantId: string,
  userId: string,
  options: { limit: number; cursor?: ListCursor; q?: string },
): Promise<ConversationSummary[]> {
  const { cursor, q, limit } = options;
  const params: unknown[] = [tenantId, userId, limit];
  if (cursor) params.push(cursor.updatedAt.toISOString(), cursor.id);
  if (q) params.push(q);
  const statement = cursor ? (q ? statements.searchAfter : statements.after) : q ? statements.search : statements.first;
  const rows = await queryArrays(database, statement, params);
  const items = new Array<ConversationSummary>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    items[i] = {
      id: r[0] as string,
      title: r[1] as string,
      agent: r[2] as string,
      message_count: r[3] as number,
      last_message_preview: r[4] as string | null,
      created_at: r[5] as string,
      updated_at: r[6] as string,
    };
  }
  return items;
}
