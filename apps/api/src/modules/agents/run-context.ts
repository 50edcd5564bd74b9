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
}
