import type { AgentSummary, ToolInfo } from '@agentry/contracts';
import type { z } from 'zod';
import type { AgentDetail } from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import type { Caller } from '../../platform/caller.js';
import type { AgentRegistry } from './agent-registry.js';
import { toToolInfo, type ToolRegistry } from './tools/tool-registry.js';

/** Per-caller agent usage, from the conversations module. */
export interface AgentStatsSource {
  agentStats(caller: Caller, agent: string): Promise<{ conversations: number; last_used_at: string | null }>;
}

export class AgentsService {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly toolRegistry: ToolRegistry,
    private readonly stats: AgentStatsSource,
  ) {}

  list(): AgentSummary[] {
    return this.registry.listSpecs().map((s) => this.registry.summary(s));
  }

  async get(caller: Caller, name: string): Promise<z.infer<typeof AgentDetail>> {
    const spec = this.registry.spec(name);
    if (!spec) throw new AppError('not_found', 'Agent not found.');
    return { ...this.registry.summary(spec), stats: await this.stats.agentStats(caller, name) };
  }

  /** The catalog, or one agent's tools; an unknown agent is a validation error like in /chat. */
  tools(agent?: string): ToolInfo[] {
    if (agent === undefined) return this.toolRegistry.list().map(toToolInfo);
    const spec = this.registry.spec(agent);
    if (!spec) throw new AppError('validation_failed', `Unknown agent "${agent}".`, { errors: [{ path: 'agent', message: 'Unknown agent.' }] });
    return this.toolRegistry.getToolsForAgent(spec).map(toToolInfo);
  }
}
