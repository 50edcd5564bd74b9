import type { AgentInputItem, Session } from '@openai/agents';
import type { SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.js';
import type { ConversationMemory } from './conversation-memory.js';
import type { ConversationItemsRepo } from './conversation-items.repo.js';
import { runParts, type StatementPart } from '../../platform/db/statement.js';
import { itemsPart } from './turn-statements.js';

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

/** Where a turn sits in the message tree. */
export interface SessionTurn {
  /** The user message the run answers. */
  userMessageId: string;
  /** Its parent: the end of the history the model sees (null: none, the first message). */
  historyTipId: string | null;
}

const isUserItem = (item: AgentInputItem) => (item as { role?: string }).role === 'user';
const isAnswerItem = (item: AgentInputItem) =>
  item.type === 'message' && (item as { role?: string }).role === 'assistant';

/** How an image of a user item is stored: a reference to its file (`agentry-file:<file id>`), never its bytes. */
export const IMAGE_REFERENCE_PREFIX = 'agentry-file:';

/**
 * Images of user items (attachments): stored as references to their files, turned back into
 * images (data URLs) when the model reads its memory. The run that sent them says which they are.
 */
export interface SessionImages {
  /** The file id behind an image the run sent (undefined: not an attachment of this run). */
  fileIdOf(image: string): string | undefined;
  /** The file's image for the model (a data URL), or null when it can no longer be given (deleted, no image input). */
  load(fileId: string): Promise<string | null>;
}

type ContentPart = { type?: string; image?: unknown; text?: string };
const imagePartsOf = (item: AgentInputItem): ContentPart[] => {
  const content = (item as { content?: unknown }).content;
  return Array.isArray(content) ? (content as ContentPart[]).filter((p) => p.type === 'input_image') : [];
};

/**
 * The SDK `Session` on PostgreSQL (`conversation_items`): the conversation's memory survives runs,
 * restarts and replicas. Each item belongs to a message of the tree (`message_id`), and a run's
 * session reads the items of the branch it continues — the path from the first message to the
 * parent of the user message it answers — so the model only ever sees that branch, never an
 * edited-away question or a regenerated-away answer.
 *
 * With `staged: true` (how chat runs use it) writes are held in memory and written by `flush(tx)`
 * inside the run's final transaction, so a run that fails leaves no half turn in the model's
 * memory; reads see the stored items followed by the staged ones. The user's input item is stored
 * with their message, the model's items with its answer.
 */
export class PostgresSession implements Session {
  private staged: AgentInputItem[] = [];

  constructor(
    private readonly repo: ConversationItemsRepo,
    /** Where reads (and unstaged writes) go; staged writes go to the `tx` given to `flush`. */
    private readonly db: DbOrTx,
    private readonly scope: { tenantId: string; conversationId: string; runId?: string; turn: SessionTurn },
    /** `knownEmpty`: nothing comes before this turn, so the first read skips the database. */
    /** `memory`: reads give the model its bounded history (a summary and the newest items of the branch within budget). */
    /** `images`: the run's image attachments (stored as references) and how to load stored ones again. */
    private readonly options: {
      staged: boolean;
      knownEmpty?: boolean;
      memory?: ConversationMemory;
      images?: SessionImages;
    } = {
      staged: false,
    },
  ) {}

  /** The user message this run answers. */
  get userMessageId(): string {
    return this.scope.turn.userMessageId;
  }

  /** The turn of the tree this session writes to (a paused run keeps it to resume on the same branch). */
  get turn(): SessionTurn {
    return { ...this.scope.turn };
  }

  /** The last message of the branch before this turn (null when the turn starts the conversation). */
  get historyTipId(): string | null {
    return this.scope.turn.historyTipId;
  }

  async getSessionId(): Promise<string> {
    return this.scope.conversationId;
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    const { memory } = this.options;
    const tip = this.scope.turn.historyTipId;
    if (memory && limit === undefined && !this.options.knownEmpty && tip) {
      // A transform over the items the model would see: bounded, whatever the branch's length.
      const history = await memory.history(this.db, this.scope.tenantId, this.scope.conversationId, tip);
      return this.withImages([...history, ...this.staged]);
    }
    const rows =
      this.options.knownEmpty || !this.scope.turn.historyTipId
        ? []
        : await this.repo.branchItems(
            this.db,
            this.scope.tenantId,
            this.scope.conversationId,
            this.scope.turn.historyTipId,
            limit,
          );
    const stored = rows.map(fromStored).filter((i): i is AgentInputItem => i !== undefined);
    const all = [...stored, ...this.staged];
    return this.withImages(limit === undefined ? all : all.slice(-limit));
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    const toStore = this.withReferences(structuredClone(items));
    if (this.options.staged) {
      this.staged.push(...toStore);
      return;
    }
    // Unstaged (not how runs use it): everything joins the turn's user message.
    await this.repo.insertItems(
      this.db,
      toStore.map((item) => this.row(item, this.scope.turn.userMessageId)),
    );
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

  /**
   * The answer as the `output` guardrails masked it replaces the model's own words in its memory, so
   * the unmasked text reaches neither the database nor the next turn's model call. The masked text
   * covers all the run's answer text, so it takes the place of the last answer item and the others go.
   */
  replaceAnswer(text: string): void {
    const last = this.staged.findLastIndex(isAnswerItem);
    if (last < 0) return;
    const answer = { ...this.staged[last], content: [{ type: 'output_text', text }] } as AgentInputItem;
    this.staged = this.staged.flatMap((item, i) => (i === last ? [answer] : isAnswerItem(item) ? [] : [item]));
  }

  /** The run's images (data URLs) replaced by references to their files, in place. */
  private withReferences(items: AgentInputItem[]): AgentInputItem[] {
    const { images } = this.options;
    if (!images) return items;
    for (const part of items.filter(isUserItem).flatMap(imagePartsOf)) {
      const fileId = typeof part.image === 'string' ? images.fileIdOf(part.image) : undefined;
      if (fileId) part.image = `${IMAGE_REFERENCE_PREFIX}${fileId}`;
    }
    return items;
  }

  /**
   * Stored references loaded as images again for the model (copies of the items that have any).
   * An image that cannot be loaded becomes a note: a reference never reaches a model.
   */
  private async withImages(items: AgentInputItem[]): Promise<AgentInputItem[]> {
    const out: AgentInputItem[] = [];
    for (const item of items) {
      const refs = imagePartsOf(item).filter(
        (p) => typeof p.image === 'string' && p.image.startsWith(IMAGE_REFERENCE_PREFIX),
      );
      if (!refs.length) {
        out.push(item);
        continue;
      }
      const copy = structuredClone(item) as unknown as { content: ContentPart[] };
      const content: ContentPart[] = [];
      for (const part of copy.content) {
        const ref = part.type === 'input_image' && typeof part.image === 'string' ? part.image : '';
        if (!ref.startsWith(IMAGE_REFERENCE_PREFIX)) {
          content.push(part);
          continue;
        }
        const image = (await this.options.images?.load(ref.slice(IMAGE_REFERENCE_PREFIX.length))) ?? null;
        content.push(
          image ? { ...part, image } : { type: 'input_text', text: '[An image attached here is no longer available.]' },
        );
      }
      copy.content = content;
      out.push(copy as unknown as AgentInputItem);
    }
    return out;
  }

  /** Items staged so far (copies). */
  stagedItems(): AgentInputItem[] {
    return structuredClone(this.staged);
  }

  /**
   * Writes the staged items in `tx` (one statement): the user's input items with their message
   * (unless it has items already — a regenerated answer reuses the question's), the others with
   * `answerMessageId` (none: a failed run keeps only the user's items). They stay staged: when that
   * transaction rolls back, the run's failure path flushes again instead of finding nothing to keep.
   */
  async flush(tx: DbOrTx, answerMessageId: string | null): Promise<void> {
    const part = this.stagedPart(answerMessageId);
    if (part) await runParts(tx, [part]);
  }

  /** `flush` as a part of the run's final statement (undefined: nothing to write); `allows`: its precondition. */
  stagedPart(answerMessageId: string | null, allows?: SQL): StatementPart | undefined {
    const { tenantId, conversationId, runId, turn } = this.scope;
    const rows = this.staged
      .map((item) => ({ item, messageId: isUserItem(item) ? turn.userMessageId : answerMessageId }))
      .filter((r): r is { item: AgentInputItem; messageId: string } => r.messageId !== null)
      .map(({ item, messageId }) => ({ messageId, schemaVersion: SESSION_ITEM_SCHEMA_VERSION, item }));
    return itemsPart(
      { tenantId, conversationId, runId: runId ?? null, userMessageId: turn.userMessageId },
      rows,
      allows,
    );
  }

  private row(item: AgentInputItem, messageId: string | null) {
    return {
      tenantId: this.scope.tenantId,
      conversationId: this.scope.conversationId,
      runId: this.scope.runId ?? null,
      messageId,
      schemaVersion: SESSION_ITEM_SCHEMA_VERSION,
      item: JSON.parse(JSON.stringify(item)) as unknown,
    };
  }
}
