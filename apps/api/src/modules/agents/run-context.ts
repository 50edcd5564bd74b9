import type { Caller } from '../../platform/caller.js';
import type { ConversationsService } from '../conversations/conversations.service.js';

/** What tools may ask of the conversations module; always scoped to the caller it is given. */
export type ConversationSearch = Pick<ConversationsService, 'search'>;

/**
 * The SDK run context of every chat run (`RunContext<AgentRunContext>`). Tools read the caller's
 * identity from here — never from a module-level variable — so two concurrent runs of two tenants
 * cannot see each other's data.
 */
export interface AgentRunContext {
  caller: Caller;
  conversationId: string;
  runId: string;
  conversations: ConversationSearch;
  /** The tenant's guardrails at `tool_input` and `tool_output` (absent: none). */
  guardrails?: ToolGuard;
}

/** What tools need of the run's guardrails: arguments before the tool runs, its result before the model sees it. */
export interface ToolGuard {
  /** The JSON arguments the tool may see (masked); throws when a guardrail blocks. */
  toolInput(argumentsJson: string): Promise<string>;
  /** The result the model may see (masked); throws when a guardrail blocks. */
  toolOutput(output: unknown): Promise<unknown>;
}
