import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import { mcpServers } from './mcp.tables.js';

export type McpServerRow = typeof mcpServers.$inferSelect;
export type McpServerInsert = typeof mcpServers.$inferInsert;

/** SQL of tenants' MCP servers; every query is scoped to a tenant. */
export class McpRepo {
  async insert(db: DbOrTx, values: McpServerInsert): Promise<McpServerRow> {
    const [row] = await db.insert(mcpServers).values(values).returning();
    return row;
  }

  /** Inserts unless the tenant has a server of that name (then undefined). */
  async insertNew(db: DbOrTx, values: McpServerInsert): Promise<McpServerRow | undefined> {
    const [row] = await db.insert(mcpServers).values(values).onConflictDoNothing().returning();
    return row;
  }

  async list(db: DbOrTx, tenantId: string): Promise<McpServerRow[]> {
    return db.select().from(mcpServers).where(eq(mcpServers.tenantId, tenantId)).orderBy(asc(mcpServers.name));
  }

  async listEnabled(db: DbOrTx, tenantId: string): Promise<McpServerRow[]> {
    return db
      .select()
      .from(mcpServers)
      .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.enabled, true)))
      .orderBy(asc(mcpServers.name));
  }

  async find(db: DbOrTx, tenantId: string, id: string): Promise<McpServerRow | undefined> {
    const [row] = await db
      .select()
      .from(mcpServers)
      .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.id, id)));
    return row;
  }

  async findByName(db: DbOrTx, tenantId: string, name: string): Promise<McpServerRow | undefined> {
    const [row] = await db
      .select()
      .from(mcpServers)
      .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.name, name)));
    return row;
  }

  async update(
    db: DbOrTx,
    tenantId: string,
    id: string,
    values: Partial<McpServerInsert>,
  ): Promise<McpServerRow | undefined> {
    const [row] = await db
      .update(mcpServers)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.id, id)))
      .returning();
    return row;
  }

  async delete(db: DbOrTx, tenantId: string, id: string): Promise<boolean> {
    const rows = await db
      .delete(mcpServers)
      .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.id, id)))
      .returning({ id: mcpServers.id });
    return rows.length > 0;
  }
}
