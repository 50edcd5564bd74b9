import type { AgentSpec } from '../specs/agent-spec.js';
import { calculatorTool } from './calculator.tool.js';
import { currentTimeTool } from './current-time.tool.js';
import { fileSearchTool, type KnowledgeSearch } from './file-search.tool.js';
import { searchConversationsTool } from './search-conversations.tool.js';
import { sendNotificationTool } from './send-notification.tool.js';
import { guardedTool, type ToolDefinition } from './tool-definition.js';
import { webSearchTool } from './web-search.tool.js';

/** The tool catalog. Which tools exist depends on configuration (web_search needs a key). */
export class ToolRegistry {
  private readonly byName: Map<string, ToolDefinition>;

  constructor(definitions: ToolDefinition[]) {
    this.byName = new Map();
    for (const d of definitions) {
      if (this.byName.has(d.name)) throw new Error(`duplicate tool ${d.name}`);
      this.byName.set(d.name, { ...d, tool: guardedTool(d.tool) });
    }
  }

  list(): ToolDefinition[] {
    return [...this.byName.values()];
  }

  get(name: string): ToolDefinition | undefined {
    return this.byName.get(name);
  }

  /**
   * The core tools, plus those scoped to this agent by name or sharing one of its capabilities,
   * plus any the spec names explicitly (when they exist in this deployment).
   */
  getToolsForAgent(spec: Pick<AgentSpec, 'name' | 'capabilities' | 'tools'>): ToolDefinition[] {
    return this.list().filter(
      (d) =>
        d.core ||
        d.agents.includes(spec.name) ||
        d.capabilities.some((c) => spec.capabilities.includes(c)) ||
        spec.tools.includes(d.name),
    );
  }
}

export interface ToolRegistryOptions {
  tavilyApiKey?: string;
  /** Clock for current_time (tests pin it). */
  now?: () => Date;
  /** fetch for web_search (tests point it at a local server). */
  fetch?: typeof fetch;
  /** The tenant's knowledge (files module): adds file_search (capability `knowledge`). */
  knowledge?: KnowledgeSearch;
}

export function createToolRegistry(options: ToolRegistryOptions = {}): ToolRegistry {
  const definitions = [
    currentTimeTool(options.now),
    calculatorTool(),
    searchConversationsTool(),
    sendNotificationTool(),
  ];
  if (options.knowledge) definitions.push(fileSearchTool(options.knowledge));
  if (options.tavilyApiKey) definitions.push(webSearchTool({ apiKey: options.tavilyApiKey, fetch: options.fetch }));
  return new ToolRegistry(definitions);
}
