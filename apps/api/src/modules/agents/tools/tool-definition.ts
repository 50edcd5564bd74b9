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

/**
 * The tool with the run's guardrails around it: the tool receives its arguments as `tool_input`
 * left them and the model receives its result as `tool_output` left it, whoever made the tool
 * (built-in or a tool server). The SDK's own metadata (`needsApproval`, schema) is kept.
 */
export function guardedTool<T extends FunctionTool<AgentRunContext, any, any>>(tool: T): T {
  const invoke = tool.invoke;
  return {
    ...tool,
    invoke: async (runContext, input, details) => {
      const guard = (runContext?.context as AgentRunContext | undefined)?.guardrails;
      if (!guard) return invoke(runContext, input, details);
      const output = await invoke(runContext, await guard.toolInput(input), details);
      return (await guard.toolOutput(output)) as Awaited<ReturnType<T['invoke']>>;
    },
  };
}

/** Reads the run context a tool was called with; a missing context is a wiring bug. */
export function runContextOf(context: { context: AgentRunContext } | undefined): AgentRunContext {
  if (!context?.context?.caller) throw new Error('tool called without the chat run context');
  return context.context;
}
