import type { Caller } from '../../platform/caller.js';

/** One hit of `search_conversations`. */
export interface ConversationSearchHit {
  conversation_id: string;
  title: string;
  snippet: string;
  updated_at: string;
}

/** What tools may ask of the conversations module; always scoped to the caller it is given. */
export interface ConversationSearch {
  search(caller: Caller, query: string, limit: number): Promise<ConversationSearchHit[]>;
}

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
}
