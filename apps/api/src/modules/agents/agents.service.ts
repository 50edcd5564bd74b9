import type { GuardrailRule } from '@agentry/contracts';
import type { AgentDetail, AgentSummary, ToolInfo } from '@agentry/contracts';
import type { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import type { Caller } from '../../platform/caller.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { AgentRegistry, ChatAgent } from './agent-registry.js';
import type { AgentSpec } from './specs/agent-spec.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import { toToolInfo } from './tools/tool-info.js';

export interface AgentsServiceDeps {
  /** The specs (checked at start): names and guardrails are answered from them without the SDK. */
  specs: readonly AgentSpec[];
  /** The SDK agents and tools, built on first use (once, however many callers wait). */
  runtime: () => Promise<{ registry: AgentRegistry; tools: ToolRegistry }>;
  /** Per-caller agent usage, from the conversations module. */
  stats: Pick<ConversationsService, 'agentStats'>;
}

/** The agents and tools of this deployment: the catalog, and the SDK agent a chat run starts with. */
export class AgentsService {
  private readonly specs: Map<string, AgentSpec>;

  constructor(private readonly deps: AgentsServiceDeps) {
    this.specs = new Map(deps.specs.map((s) => [s.name, s]));
  }

  async list(): Promise<AgentSummary[]> {
    const { registry } = await this.deps.runtime();
    return registry.listSpecs().map((s) => registry.summary(s));
  }

  async get(caller: Caller, name: string): Promise<z.infer<typeof AgentDetail>> {
    const spec = this.specs.get(name);
    if (!spec) throw new AppError('not_found', 'Agent not found.');
    const { registry } = await this.deps.runtime();
    return { ...registry.summary(spec), stats: await this.deps.stats.agentStats(caller, name) };
  }

  /** The catalog, or one agent's tools; an unknown agent is a validation error like in /chat. */
  async tools(agent?: string): Promise<ToolInfo[]> {
    const spec = agent === undefined ? undefined : this.specs.get(agent);
    if (agent !== undefined && !spec) throw unknownAgent(agent);
    const { tools } = await this.deps.runtime();
    return (spec ? tools.getToolsForAgent(spec) : tools.list()).map(toToolInfo);
  }

  /** The guardrails an agent always applies (its spec's), merged with the tenant's for its runs. */
  guardrailsOf(name: string): GuardrailRule[] {
    return this.specs.get(name)?.guardrails ?? [];
  }

  /** The SDK agent a run named `name` starts with (400 `validation_failed` for an unknown one). */
  async agentToRun(name: string): Promise<ChatAgent> {
    if (!this.specs.has(name)) throw unknownAgent(name);
    const agent = (await this.deps.runtime()).registry.get(name);
    if (!agent) throw unknownAgent(name);
    return agent;
  }
}

function unknownAgent(name: string) {
  return new AppError('validation_failed', `Unknown agent "${name}".`, {
    errors: [{ path: 'agent', message: 'Unknown agent.' }],
  });
}
