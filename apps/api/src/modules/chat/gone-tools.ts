import type { Agent, FunctionTool } from '@openai/agents';
import type { AgentRunContext, RunToolSource } from '../agents/run-context.js';
import { requireAgentsSdk } from '../../platform/ai-sdks.js';

// These run on a paused run's resume, once its agent exists: the SDK is loaded (platform/ai-sdks.ts).

/** What the model reads for a call whose tool went away while the run waited. */
export const goneToolOutput = (name: string) =>
  `Error: the tool ${name} is no longer available (its tool server was removed or disabled, or no longer offers it); the call was not made.`;

/** The agent named `name` among `entry` and the agents it hands off to (directly or not). */
export function findAgent(entry: Agent<AgentRunContext>, name: string): Agent<AgentRunContext> | undefined {
  const { Agent: SdkAgent } = requireAgentsSdk();
  const seen = new Set<Agent<AgentRunContext>>();
  const queue = [entry];
  for (let a = queue.shift(); a; a = queue.shift()) {
    if (seen.has(a)) continue;
    seen.add(a);
    if (a.name === name) return a;
    for (const h of a.handoffs) queue.push((h instanceof SdkAgent ? h : h.agent) as Agent<AgentRunContext>);
  }
  return undefined;
}

/**
 * The tools of a paused run's waiting calls that `agent` (the one that made them) no longer offers
 * when the run resumes: the tenant deleted or disabled the tool server, or stopped allowing the
 * tool, while the calls waited for approval. Each such tool name with the ids of its calls.
 */
export async function goneTools(
  agent: Agent<AgentRunContext>,
  calls: readonly { callId: string; name: string }[],
  context: AgentRunContext,
): Promise<Map<string, Set<string>>> {
  const { RunContext } = requireAgentsSdk();
  const offered = new Set((await agent.getAllTools(new RunContext(context))).map((t) => t.name));
  const gone = new Map<string, Set<string>>();
  for (const { callId, name } of calls) {
    if (offered.has(name)) continue;
    gone.set(name, (gone.get(name) ?? new Set<string>()).add(callId));
  }
  return gone;
}

/**
 * The run's extra tools plus a stand-in for each gone tool: the SDK refuses to resume a state whose
 * calls name a tool it cannot find, so the stand-in takes the call and answers with an error the
 * model reads. The waiting calls keep needing approval (a rejection stays a rejection); a new call
 * of the stand-in answers the same error at once.
 */
export function withGoneTools(source: RunToolSource | undefined, gone: Map<string, Set<string>>): RunToolSource {
  const { tool } = requireAgentsSdk();
  // biome-ignore lint/suspicious/noExplicitAny: tools of any parameter shape
  const standIns: FunctionTool<AgentRunContext, any, any>[] = [...gone].map(
    ([name, callIds]) =>
      tool({
        name,
        description: `No longer available: ${name}.`,
        parameters: { type: 'object', properties: {}, required: [], additionalProperties: true } as never,
        strict: false,
        needsApproval: async (_context, _input, callId) => callId !== undefined && callIds.has(callId),
        execute: async () => goneToolOutput(name),
      }) as FunctionTool<AgentRunContext, never, never>,
  );
  return {
    toolsFor: (capabilities) => [...(source?.toolsFor(capabilities) ?? []), ...standIns],
    close: async () => {
      await source?.close();
    },
  };
}
