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
  /** The tenant's guardrails at `tool_input` and `tool_output` (absent: none). */
  guardrails?: ToolGuard;
  /** The run's extra tools (tenant MCP servers), when there are any. */
  runTools?: RunToolSource;
}

/** What tools need of the run's guardrails: arguments before the tool runs, its result before the model sees it. */
export interface ToolGuard {
  /** The JSON arguments the tool may see (masked); throws when a guardrail blocks. */
  toolInput(argumentsJson: string): Promise<string>;
  /** The result the model may see (masked); throws when a guardrail blocks. */
  toolOutput(output: unknown): Promise<unknown>;
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
