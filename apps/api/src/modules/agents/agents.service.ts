import type { GuardrailRule } from '@agentry/contracts';
import type { AgentDetail, AgentSummary, ToolInfo } from '@agentry/contracts';
import type { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import type { Caller } from '../../platform/caller.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { AgentRegistry, ChatAgent } from './agent-registry.js';
import { toToolInfo, type ToolRegistry } from './tools/tool-registry.js';

export interface AgentsServiceDeps {
  registry: AgentRegistry;
  tools: ToolRegistry;
  /** Per-caller agent usage, from the conversations module. */
  stats: Pick<ConversationsService, 'agentStats'>;
}

/** The agents and tools of this deployment: the catalog, and the SDK agent a chat run starts with. */
export class AgentsService {
  constructor(private readonly deps: AgentsServiceDeps) {}

  list(): AgentSummary[] {
    return this.deps.registry.listSpecs().map((s) => this.deps.registry.summary(s));
  }

  async get(caller: Caller, name: string): Promise<z.infer<typeof AgentDetail>> {
    const spec = this.deps.registry.spec(name);
    if (!spec) throw new AppError('not_found', 'Agent not found.');
    return { ...this.deps.registry.summary(spec), stats: await this.deps.stats.agentStats(caller, name) };
  }

  /** The catalog, or one agent's tools; an unknown agent is a validation error like in /chat. */
  tools(agent?: string): ToolInfo[] {
    if (agent === undefined) return this.deps.tools.list().map(toToolInfo);
    const spec = this.deps.registry.spec(agent);
    if (!spec) throw unknownAgent(agent);
    return this.deps.tools.getToolsForAgent(spec).map(toToolInfo);
  }

  /** The guardrails an agent always applies (its spec's), merged with the tenant's for its runs. */
  guardrailsOf(name: string): GuardrailRule[] {
    return this.deps.registry.spec(name)?.guardrails ?? [];
  }

  /** The SDK agent a run named `name` starts with (400 `validation_failed` for an unknown one). */
  agentToRun(name: string): ChatAgent {
    const agent = this.deps.registry.get(name);
    if (!agent) throw unknownAgent(name);
    return agent;
  }
}

function unknownAgent(name: string) {
  return new AppError('validation_failed', `Unknown agent "${name}".`, {
    errors: [{ path: 'agent', message: 'Unknown agent.' }],
  });
}
