import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.js';
import type { Database } from '../../platform/db/client.js';
import { decodeCursor, encodeCursorOf } from './conversation-cursor.js';
import { listConversations } from './conversation-list.js';
import type { ListCursor } from './conversations.repo.js';
import { conversations, messages } from './conversations.tables.js';

/**
 * The list's fixed SQL against rows written through drizzle: keyset pages over rows that share an
 * `updated_at`, the search with and without a cursor, timestamps exactly as `toISOString` writes
 * them, and nothing of another owner or tenant (even one reusing the owner's id).
 */
describe('conversations list (prepared SQL)', () => {
  let database: Database & { close(): Promise<void> };
  const tenant = randomUUID();
  const otherTenant = randomUUID();
  const owner = randomUUID();
  const colleague = randomUUID();
  const base = new Date('2026-03-04T05:06:07.089Z');
  /** Newest first, as the list orders them: (updated_at desc, id desc). */
  let expected: { id: string; title: string; createdAt: Date; updatedAt: Date }[] = [];
  const penguinIds = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    const rows: (typeof conversations.$inferInsert)[] = [];
    for (let i = 0; i < 9; i++) {
      // Three rows per timestamp: the cursor must break ties by id.
      const updatedAt = new Date(base.getTime() + Math.floor(i / 3) * 1000 + (i === 8 ? 1 : 0));
      const createdAt = new Date(base.getTime() - i * 7);
      const title = i % 2 === 0 ? `penguins ${i}` : `volcanoes ${i}`;
      const row = { id: randomUUID(), tenantId: tenant, userId: owner, agent: 'triage', title, createdAt, updatedAt };
      rows.push({ ...row, messageCount: i, lastMessagePreview: i === 0 ? null : `preview ${i}` });
      expected.push({ id: row.id, title, createdAt, updatedAt });
      if (i % 2 === 0) penguinIds.add(row.id);
    }
    // One whose title does not match but a message does.
    const byMessage = randomUUID();
    rows.push({
      id: byMessage,
      tenantId: tenant,
      userId: owner,
      agent: 'triage',
      title: 'misc',
      createdAt: base,
      updatedAt: base,
    });
    expected.push({ id: byMessage, title: 'misc', createdAt: base, updatedAt: base });
    penguinIds.add(byMessage);
    // Others' rows: a colleague in the tenant, and the same user id in another tenant.
    const foreign = randomUUID();
    rows.push({ id: randomUUID(), tenantId: tenant, userId: colleague, agent: 'triage', title: 'penguins' });
    rows.push({ id: foreign, tenantId: otherTenant, userId: owner, agent: 'triage', title: 'penguins' });
    await database.db.insert(conversations).values(rows);
    await database.db.insert(messages).values([
      { tenantId: tenant, conversationId: byMessage, role: 'user', content: 'tell me about penguins' },
      // A message of another tenant pointing at the owner's conversation never makes it match.
      { tenantId: otherTenant, conversationId: expected[1]!.id, role: 'user', content: 'penguins' },
    ]);
    expected = expected.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : -1));
  });
  afterAll(() => database.close());

  const pages = async (size: number, q?: string) => {
    const seen: string[] = [];
    let cursor: ListCursor | undefined;
    for (;;) {
      const page = await listConversations(database, tenant, owner, { limit: size, cursor, q });
      seen.push(...page.map((c) => c.id));
      const last = page[page.length - 1];
      if (page.length < size || !last) return seen;
      // Through the opaque cursor a client holds, as the service writes and reads it.
      cursor = decodeCursor(encodeCursorOf(last.updated_at, last.id));
    }
  };

  it('answers summaries with timestamps as toISOString writes them', async () => {
    const page = await listConversations(database, tenant, owner, { limit: 100 });
    expect(page.map((c) => c.id)).toEqual(expected.map((e) => e.id));
    for (const item of page) {
      const e = expected.find((x) => x.id === item.id)!;
      expect(item.created_at).toBe(e.createdAt.toISOString());
      expect(item.updated_at).toBe(e.updatedAt.toISOString());
      expect(Object.keys(item).sort()).toEqual(
        ['agent', 'created_at', 'id', 'last_message_preview', 'message_count', 'title', 'updated_at'].sort(),
      );
    }
    expect(page.find((c) => c.title === 'penguins 0')).toMatchObject({ message_count: 0, last_message_preview: null });
    expect(page.find((c) => c.title === 'volcanoes 3')).toMatchObject({
      message_count: 3,
      last_message_preview: 'preview 3',
    });
  });

  it('pages with the keyset cursor through rows sharing a timestamp, in every page size', async () => {
    for (const size of [1, 2, 3, 4, 7])
      expect(await pages(size), `page size ${size}`).toEqual(expected.map((e) => e.id));
  });

  it('searches titles and the owner’s messages (of the tenant only), with and without a cursor', async () => {
    const hits = expected.filter((e) => penguinIds.has(e.id)).map((e) => e.id);
    expect(await pages(100, 'penguins')).toEqual(hits);
    expect(await pages(2, 'penguins')).toEqual(hits);
    expect(await pages(2, 'nothing-matches-this')).toEqual([]);
  });

  it('lists nothing for another owner or tenant', async () => {
    expect(await listConversations(database, otherTenant, colleague, { limit: 10 })).toEqual([]);
    const foreign = await listConversations(database, otherTenant, owner, { limit: 10 });
    expect(foreign.map((c) => c.title)).toEqual(['penguins']);
  });
});
