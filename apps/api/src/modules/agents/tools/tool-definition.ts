import type { FunctionTool } from '@openai/agents';
import type { AgentRunContext } from '../run-context.js';

/**
 * A tool in the catalog: the SDK tool plus the metadata that decides which agents get it.
 * `core` tools go to every agent; otherwise an agent gets a tool when it is named in `agents` or
 * shares one of its `capabilities`.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  core: boolean;
  agents: string[];
  capabilities: string[];
  /**
   * A person must approve each call before it runs: the tool is built with the SDK's
   * `needsApproval` set from this flag, and a call pauses the run (chat: approvals) until decided.
   */
  requiresApproval?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types tool parameters per tool; the registry holds tools of any shape
  tool: FunctionTool<AgentRunContext, any, any>;
}

/** Reads the run context a tool was called with; a missing context is a wiring bug. */
export function runContextOf(context: { context: AgentRunContext } | undefined): AgentRunContext {
  if (!context?.context?.caller) throw new Error('tool called without the chat run context');
  return context.context;
}
