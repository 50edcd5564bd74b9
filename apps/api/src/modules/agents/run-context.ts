import type { FunctionTool } from '@openai/agents';
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
  /** The run's extra tools (tenant MCP servers), when there are any. */
  runTools?: RunToolSource;
}

/**
 * Tools a run adds to those of the agents' specs (e.g. the tenant's MCP tools). Opened when the run
 * starts, with the caller; closed when it ends (connections it opened lazily are closed then).
 */
export interface RunToolSource {
  /** The run's extra tools for an agent with these capabilities (may be none). */
  // biome-ignore lint/suspicious/noExplicitAny: tools of any parameter shape
  toolsFor(capabilities: readonly string[]): FunctionTool<AgentRunContext, any, any>[];
  close(): Promise<void>;
}

export interface RunToolProvider {
  open(caller: Caller): Promise<RunToolSource>;
}
