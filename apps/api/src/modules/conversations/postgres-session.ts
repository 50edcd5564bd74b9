import type { AgentInputItem, Session } from '@openai/agents';
import type { DbOrTx } from '../../platform/db/client.js';
import type { ConversationMemory } from './conversation-memory.js';
import type { ConversationsRepo } from './conversations.repo.js';

/**
 * Version of the stored SDK item shape (`AgentInputItem` of @openai/agents 0.20). Bump it when an
 * SDK upgrade changes the shape, and migrate older items in `fromStored` instead of misreading them.
 */
export const SESSION_ITEM_SCHEMA_VERSION = 1;

function fromStored(row: { schemaVersion: number; item: unknown }): AgentInputItem | undefined {
  // Items written by a newer version are skipped rather than handed to an SDK that cannot read them.
  if (row.schemaVersion > SESSION_ITEM_SCHEMA_VERSION) return undefined;
  return row.item as AgentInputItem;
}

/**
 * The SDK `Session` on PostgreSQL (`conversation_items`): the conversation's memory survives runs,
 * restarts and replicas. With `staged: true` (how chat runs use it) writes are held in memory and
 * written by `flush(tx)` inside the run's final transaction, so a run that fails leaves no half
 * turn in the model's memory; reads see the stored items followed by the staged ones.
 */
export class PostgresSession implements Session {
  private staged: AgentInputItem[] = [];

  constructor(
    private readonly repo: ConversationsRepo,
    /** Where reads (and unstaged writes) go; staged writes go to the `tx` given to `flush`. */
    private readonly db: DbOrTx,
    private readonly scope: { tenantId: string; conversationId: string; runId?: string },
    /** `knownEmpty`: the conversation was created for this run, so the first read skips the database. */
    /** `memory`: reads give the model its bounded history (a summary and the newest items within budget). */
    private readonly options: { staged: boolean; knownEmpty?: boolean; memory?: ConversationMemory } = {
      staged: false,
    },
  ) {}

  async getSessionId(): Promise<string> {
    return this.scope.conversationId;
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const { memory } = this.options;
    if (memory && limit === undefined && !this.options.knownEmpty) {
      // A transform over the items the model would see: bounded, whatever the session's length.
      const history = await memory.history(this.db, this.scope.tenantId, this.scope.conversationId);
      return [...history, ...this.staged];
    }
    const rows = this.options.knownEmpty
      ? []
      : await this.repo.items(this.db, this.scope.tenantId, this.scope.conversationId, limit);
    const stored = rows.map(fromStored).filter((i): i is AgentInputItem => i !== undefined);
    const all = [...stored, ...this.staged];
    return limit === undefined ? all : all.slice(-limit);
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    if (this.options.staged) {
      this.staged.push(...structuredClone(items));
      return;
    }
    await this.write(this.db, items);
    this.options.knownEmpty = false;
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    if (this.staged.length) return this.staged.pop();
    if (this.options.knownEmpty) return undefined;
    const row = await this.repo.popItem(this.db, this.scope.tenantId, this.scope.conversationId);
    return row ? fromStored({ schemaVersion: row.schema_version, item: row.item }) : undefined;
  }

  async clearSession(): Promise<void> {
    this.staged = [];
    this.options.knownEmpty = true;
    await this.repo.clearItems(this.db, this.scope.tenantId, this.scope.conversationId);
  }

  /** Items staged so far (copies). */
  stagedItems(): AgentInputItem[] {
    return structuredClone(this.staged);
  }

  /**
   * Writes the staged items (optionally only those `keep` selects) in `tx`, the run's final
   * transaction. They stay staged: when that transaction rolls back, the run's failure path
   * flushes again (the user's items only) instead of finding nothing to keep.
   */
  async flush(tx: DbOrTx, keep: (item: AgentInputItem) => boolean = () => true): Promise<void> {
    await this.write(tx, this.staged.filter(keep));
    this.options.knownEmpty = false;
  }

  /** Inserts `items` (one statement) on `db`. */
  private async write(db: DbOrTx, items: AgentInputItem[]) {
    const rows = items.map((item) => ({
      tenantId: this.scope.tenantId,
      conversationId: this.scope.conversationId,
      runId: this.scope.runId ?? null,
      schemaVersion: SESSION_ITEM_SCHEMA_VERSION,
      item: JSON.parse(JSON.stringify(item)) as unknown,
    }));
    await this.repo.insertItems(db, rows);
  }
}
