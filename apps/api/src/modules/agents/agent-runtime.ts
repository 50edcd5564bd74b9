import type { Config } from '../../config.js';
import type { ConversationAssistant } from '../conversations/conversation-memory.js';
import { AgentRegistry } from './agent-registry.js';
import { createConversationAssistant } from './conversation-assistant.js';
import { createModelResolver } from './models/model-provider.js';
import type { AgentSpec } from './specs/agent-spec.js';
import type { KnowledgeSearch } from './tools/file-search.tool.js';
import { createToolRegistry, type ToolRegistry } from './tools/tool-registry.js';

/**
 * The SDK side of the agents module: tools, models, agents and the conversation assistant, built
 * together on first use. This file (and what it imports) holds the agents SDK's values, so it is
 * reached only through `import()` (agents.module.ts): the build puts it in a chunk of its own and
 * a start does not load the SDK.
 */
export interface AgentRuntime {
  registry: AgentRegistry;
  tools: ToolRegistry;
  assistant: ConversationAssistant;
}

export function buildAgentRuntime(
  specs: readonly AgentSpec[],
  config: Pick<Config, 'models' | 'tools'>,
  knowledge?: KnowledgeSearch,
): AgentRuntime {
  const tools = createToolRegistry({
    tavilyApiKey: config.tools.tavilyApiKey,
    ...(knowledge ? { knowledge } : {}),
  });
  const models = createModelResolver(config.models);
  return { registry: new AgentRegistry(specs, tools, models), tools, assistant: createConversationAssistant(models) };
}
