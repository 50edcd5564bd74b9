import type { Logger } from 'pino';
import type { ConversationAssistant } from '../conversations/conversation-memory.js';
import type { RunEventWriter } from './run-events.js';
import type { RunExecutionDeps, RunInput } from './run-execution.js';

/**
 * A new conversation's title, made while its first answer streams: from the user's message alone,
 * so the title call runs beside the answer instead of after it, and the stream's end does not
 * wait for a second model call (API.md: `conversation.titled` comes before the terminal event).
 * Started after the answer's first delta went out (it never delays the first token); bounded by
 * `timeoutMs` from its start; a failure or timeout only loses the title (the first words stay).
 */
export class RunTitle {
  private promise?: Promise<string | undefined>;
  private done = false;
  private value: string | undefined;
  private readonly stop = new AbortController();

  constructor(
    private readonly assistant: ConversationAssistant,
    private readonly message: string,
    private readonly options: { signal: AbortSignal; timeoutMs: number; logger: Logger; runId: string },
  ) {}

  /** Starts the title call on the next turn of the event loop (after what is being sent now). Idempotent. */
  start(): void {
    if (this.promise) return;
    this.promise = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.make());
  }

  /** The title if it is already there (undefined while it is being made, or when there is none). */
  get ready(): string | undefined {
    return this.done ? this.value : undefined;
  }

  /**
   * The title if it is there after one more turn of the event loop (a title that needs no model,
   * the offline one, is by then), else undefined while it is still being made.
   */
  async readySoon(): Promise<string | undefined> {
    if (this.promise && !this.done) await new Promise<void>((resolve) => setImmediate(resolve));
    return this.ready;
  }

  /** The title (started now if it was not), undefined when it failed or timed out. */
  wait(): Promise<string | undefined> {
    this.start();
    return this.promise!;
  }

  /** Stops a title call still under way (the run failed: it gets none). Nothing to stop: no abort (no `DOMException` per run). */
  cancel(): void {
    if (this.promise && !this.done) this.stop.abort();
  }

  private async make(): Promise<string | undefined> {
    const { signal, timeoutMs, logger, runId } = this.options;
    try {
      const limit = AbortSignal.any([signal, this.stop.signal, AbortSignal.timeout(timeoutMs)]);
      // Raced against the limit: a model call that ignores its signal must not hold the run.
      const title = await Promise.race([
        this.assistant.title({ message: this.message, response: '' }, limit),
        new Promise<never>((_, reject) => {
          if (limit.aborted) reject(limit.reason);
          limit.addEventListener('abort', () => reject(limit.reason), { once: true });
        }),
      ]);
      this.value = title.trim() || undefined;
    } catch (err) {
      if (!this.stop.signal.aborted)
        logger.warn({ err, event: 'chat.title_failed', run_id: runId }, 'could not title the conversation');
    }
    this.done = true;
    return this.value;
  }
}

export const appendTitled = (writer: RunEventWriter, conversationId: string, title: string) =>
  writer.append({ event: 'conversation.titled', data: { conversation_id: conversationId, title } });

/**
 * After a new conversation's first run, before its terminal event, when its title was not ready
 * with the answer: stored unless the owner renamed the conversation meanwhile, and streamed as
 * `conversation.titled`. No title (failed, timed out, empty) keeps the first-words title.
 */
export async function storeTitle(
  deps: Pick<RunExecutionDeps, 'conversations' | 'logger'>,
  input: Pick<RunInput, 'caller' | 'conversationId' | 'runId'>,
  title: string | undefined,
  writer: RunEventWriter,
) {
  if (!title) return;
  try {
    if (await deps.conversations.setAutoTitle(input.caller, input.conversationId, title))
      await appendTitled(writer, input.conversationId, title);
  } catch (err) {
    deps.logger.warn({ err, event: 'chat.title_failed', run_id: input.runId }, 'could not title the conversation');
  }
}
