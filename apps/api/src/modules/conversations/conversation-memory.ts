import type { AgentInputItem } from '@openai/agents';
import type { DbOrTx } from '../../platform/db/client.js';
import { titleFromMessage } from './conversation-title.js';
import type { ConversationItemsRepo } from './conversation-items.repo.js';

/**
 * The model's bounded memory (AGENT_MEMORY_MAX_TOKENS). A run's model sees at most one summary
 * item (what is older) followed by the newest items that fit the budget. Everything here works
 * on "the items the model would see, newest first, a page at a time", so it composes with any
 * way of choosing those items (here: the current branch of the message tree, read up from its tip).
 */

/** One stored session item with its place in the session. */
export interface PositionedItem {
  position: number;
  /** The message the item belongs to (absent in loaders that do not know it). */
  messageId?: string;
  item: AgentInputItem;
}

/** Loads up to `limit` items older than `beforePosition` (the newest when undefined), newest first. */
export type NewestFirstLoader = (beforePosition: number | undefined, limit: number) => Promise<PositionedItem[]>;

/** What writes titles and summaries: a cheap agent on the configured model, or deterministic offline. */
export interface ConversationAssistant {
  /** A short title for a conversation from its first exchange. */
  title(input: { message: string; response: string }, signal: AbortSignal): Promise<string>;
  /** `previous` (the summary so far, if any) extended with `transcript` (older turns, rendered as text). */
  summarize(input: { previous: string | null; transcript: string }, signal: AbortSignal): Promise<string>;
}

/** A cheap token estimate: about four characters per token of the item's JSON. */
export const estimateTokens = (item: unknown): number => Math.ceil(JSON.stringify(item).length / 4);

const PAGE = 64;

const isUserMessage = (item: AgentInputItem) => (item as { role?: string }).role === 'user';
const isMessage = (item: AgentInputItem) => {
  const role = (item as { role?: string }).role;
  return role === 'user' || role === 'assistant';
};

/**
 * The newest items that fit `budget` tokens, oldest first, starting at a user message (a history
 * never starts with a tool output whose call was cut off), and whether older items were left out.
 * Reads pages newest first and stops at the budget: memory is bounded by the budget, not the session.
 */
export async function loadTail(
  load: NewestFirstLoader,
  budget: number,
): Promise<{ tail: PositionedItem[]; exceeded: boolean }> {
  const kept: PositionedItem[] = [];
  let tokens = 0;
  let before: number | undefined;
  let exceeded = false;
  outer: for (;;) {
    const page = await load(before, PAGE);
    for (const entry of page) {
      tokens += estimateTokens(entry.item);
      if (tokens > budget) {
        exceeded = true;
        break outer;
      }
      kept.push(entry);
    }
    if (page.length < PAGE) break;
    before = page[page.length - 1].position;
  }
  kept.reverse();
  if (exceeded) {
    // The cut fell inside a turn: the tail starts at the next user message.
    const start = kept.findIndex((e) => isUserMessage(e.item));
    return { tail: start < 0 ? [] : kept.slice(start), exceeded };
  }
  return { tail: kept, exceeded };
}

/** The item the model sees in place of everything the summary covers. */
export function summaryItem(summary: { text: string; summarizedMessages: number }): AgentInputItem {
  return {
    role: 'system',
    content: `Summary of the ${summary.summarizedMessages} earlier messages of this conversation (older than what follows):\n${summary.text}`,
  } as AgentInputItem;
}

const textOf = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c: { text?: string; transcript?: string }) => c.text ?? c.transcript ?? '')
      .filter(Boolean)
      .join(' ');
  return '';
};
const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** Items as a plain transcript for the summarizer (tool traffic shortened). */
export function renderTranscript(items: AgentInputItem[]): string {
  const lines: string[] = [];
  for (const raw of items) {
    const item = raw as {
      type?: string;
      role?: string;
      content?: unknown;
      name?: string;
      arguments?: string;
      output?: unknown;
    };
    if (item.role === 'user' || item.role === 'assistant' || item.role === 'system') {
      const text = textOf(item.content);
      if (text)
        lines.push(
          `${item.role === 'user' ? 'User' : item.role === 'assistant' ? 'Assistant' : 'System'}: ${cut(text, 4000)}`,
        );
    } else if (item.type === 'function_call') {
      lines.push(`Tool call ${item.name}(${cut(String(item.arguments ?? ''), 300)})`);
    } else if (item.type === 'function_call_result') {
      const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? null);
      lines.push(`Tool output: ${cut(output, 300)}`);
    }
  }
  return lines.join('\n');
}

/** Longest summary kept (characters); the deterministic summary keeps its newest lines within it. */
export const MAX_SUMMARY_CHARS = 4000;

/** The offline assistant: the first words as the title, a deterministic summary (one line per message). */
export const offlineAssistant: ConversationAssistant = {
  async title({ message }) {
    return titleFromMessage(message);
  },
  async summarize({ previous, transcript }) {
    const lines = [
      ...(previous ? previous.split('\n') : []),
      ...transcript
        .split('\n')
        .filter((l) => l.startsWith('User: ') || l.startsWith('Assistant: '))
        .map((l) => cut(l.replace(/\s+/g, ' '), 160)),
    ];
    const kept: string[] = [];
    let size = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      size += lines[i].length + 1;
      if (size > MAX_SUMMARY_CHARS) break;
      kept.unshift(lines[i]);
    }
    return kept.join('\n');
  },
};

/** A summary's characters per summarizer call: older turns are folded into the summary chunk by chunk. */
const CHUNK_CHARS = 48_000;

/**
 * Computes and stores a new summary when the items after the current summary no longer fit the
 * budget; later runs reuse it. The summary then covers everything but the newest half-budget of
 * items, so the next few runs fit again without summarizing. Older items are read oldest first, a
 * page at a time, and folded into the summary chunk by chunk: memory stays bounded.
 */
export class ConversationMemory {
  constructor(
    private readonly repo: ConversationItemsRepo,
    readonly maxTokens: number,
  ) {}

  /**
   * Newest-first loader of the items of the branch ending at `tipId` after the summary `after`
   * (the walk up the branch stops at the summary's last message).
   */
  loader(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    tipId: string,
    after?: { coversMessageId: string; coversPosition: number },
  ): NewestFirstLoader {
    return async (beforePosition, limit) =>
      (
        await this.repo.branchItemsNewestFirst(db, tenantId, conversationId, {
          tipId,
          stopAtId: after?.coversMessageId,
          afterPosition: after?.coversPosition,
          beforePosition,
          limit,
        })
      ).map((r) => ({ position: r.position, messageId: r.messageId, item: r.item as AgentInputItem }));
  }

  /**
   * The items the model sees before a turn whose branch ends at `tipId`: the branch's summary (if
   * any) and the branch's newest items within the budget, oldest first.
   */
  async history(db: DbOrTx, tenantId: string, conversationId: string, tipId: string): Promise<AgentInputItem[]> {
    const summary = await this.repo.branchSummary(db, tenantId, conversationId, tipId);
    const head = summary ? [summaryItem(summary)] : [];
    const budget = this.maxTokens - head.reduce((n, i) => n + estimateTokens(i), 0);
    const { tail } = await loadTail(this.loader(db, tenantId, conversationId, tipId, summary), budget);
    return [...head, ...tail.map((e) => e.item)];
  }

  /** Summarizes what no longer fits, if anything; returns how many messages the new summary stands for. */
  async compact(
    db: DbOrTx,
    tenantId: string,
    conversationId: string,
    tipId: string,
    assistant: ConversationAssistant,
    signal: AbortSignal,
  ): Promise<{ summarizedMessages: number } | null> {
    // Only a summary of this branch is extended: one made on another branch is never reused.
    const summary = await this.repo.branchSummary(db, tenantId, conversationId, tipId);
    const after = summary?.coversPosition;
    const head = summary ? estimateTokens(summaryItem(summary)) : 0;
    const load = this.loader(db, tenantId, conversationId, tipId, summary);
    if (!(await loadTail(load, this.maxTokens - head)).exceeded) return null;
    const { tail } = await loadTail(load, Math.floor(this.maxTokens / 2));
    const keepFrom = tail[0]?.position ?? Number.MAX_SAFE_INTEGER;

    let text = summary?.text ?? null;
    let count = summary?.summarizedMessages ?? 0;
    let position = after ?? 0;
    let coversMessageId = summary?.coversMessageId ?? null;
    let chunk: AgentInputItem[] = [];
    let chunkChars = 0;
    const fold = async () => {
      if (!chunk.length) return;
      text = cut(
        await assistant.summarize({ previous: text, transcript: renderTranscript(chunk) }, signal),
        MAX_SUMMARY_CHARS,
      );
      chunk = [];
      chunkChars = 0;
    };
    for (;;) {
      const page = await this.repo.branchItemsBetween(db, tenantId, conversationId, {
        tipId,
        stopAtId: summary?.coversMessageId,
        afterPosition: position,
        beforePosition: keepFrom,
        limit: 200,
      });
      for (const row of page) {
        const item = row.item as AgentInputItem;
        const size = JSON.stringify(item).length;
        if (chunkChars + size > CHUNK_CHARS) await fold();
        chunk.push(item);
        chunkChars += size;
        if (isMessage(item)) count++;
        position = row.position;
        coversMessageId = row.messageId;
      }
      if (page.length < 200) break;
    }
    await fold();
    if (text === null || coversMessageId === null || position === (after ?? 0)) return null;
    await this.repo.insertSummary(db, {
      tenantId,
      conversationId,
      coversMessageId,
      coversPosition: position,
      summarizedMessages: count,
      text,
    });
    return { summarizedMessages: count };
  }
}
