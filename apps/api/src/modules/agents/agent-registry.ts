import { Agent, handoff, type Model, type RunContext, type Tool } from '@openai/agents';
import type { AgentSummary } from '@agentry/contracts';
import type { AgentRunContext } from './run-context.js';
import type { AgentSpec } from './specs/agent-spec.js';
import { checkSpecs } from './specs/check-specs.js';
import type { ToolRegistry } from './tools/tool-registry.js';

/** Resolves the model an agent runs on (the provider factory decides: offline or openai). */
export interface ModelResolver {
  modelFor(spec: AgentSpec): Model;
  /** The model name shown in `GET /agents` for this agent. */
  modelNameFor(spec: AgentSpec): string;
}

export type ChatAgent = Agent<AgentRunContext>;

/**
 * An SDK agent whose tools are its spec's plus those the run adds for its capabilities
 * (`AgentRunContext.runTools`, e.g. the tenant's MCP tools): the agent is built once, the extra
 * tools are per run.
 */
class SpecAgent extends Agent<AgentRunContext> {
  constructor(
    config: ConstructorParameters<typeof Agent<AgentRunContext>>[0],
    private readonly capabilities: readonly string[],
  ) {
    super(config);
  }

  override async getAllTools(
    runContext: RunContext<AgentRunContext>,
    ...rest: unknown[]
  ): Promise<Tool<AgentRunContext>[]> {
    const tools = await super.getAllTools(runContext, ...(rest as []));
    const extra = runContext?.context?.runTools?.toolsFor(this.capabilities) ?? [];
    return extra.length ? [...tools, ...extra] : tools;
  }
}

/**
 * The agents of this deployment, built once from their specs: each SDK `Agent` gets its model,
 * its tools (core + scoped + capability matches) and `handoff()`s to the agents it names.
 */
export class AgentRegistry {
  private readonly agents = new Map<string, ChatAgent>();
  private readonly specs = new Map<string, AgentSpec>();

  constructor(
    specs: readonly AgentSpec[],
    private readonly tools: ToolRegistry,
    private readonly models: ModelResolver,
  ) {
    checkSpecs(specs);
    for (const spec of specs) {
      this.specs.set(spec.name, spec);
      this.agents.set(
        spec.name,
        new SpecAgent(
          {
            name: spec.name,
            instructions: spec.instructions,
            handoffDescription: spec.handoffDescription,
            model: models.modelFor(spec),
            modelSettings: spec.modelSettings ?? {},
            tools: tools.getToolsForAgent(spec).map((d) => d.tool),
          },
          spec.capabilities,
        ),
      );
    }
    // Handoffs are wired in a second pass so specs may reference each other in any order.
    for (const spec of specs) {
      this.agents.get(spec.name)!.handoffs = spec.handoffs.map((target) =>
        handoff(this.agents.get(target)!, { toolDescriptionOverride: this.specs.get(target)!.handoffDescription }),
      );
    }
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  get(name: string): ChatAgent | undefined {
    return this.agents.get(name);
  }

  spec(name: string): AgentSpec | undefined {
    return this.specs.get(name);
  }

  listSpecs(): AgentSpec[] {
    return [...this.specs.values()];
  }

  toolNamesFor(spec: AgentSpec): string[] {
    return this.tools.getToolsForAgent(spec).map((d) => d.name);
  }

  summary(spec: AgentSpec): AgentSummary {
    return {
      name: spec.name,
      display_name: spec.displayName,
      description: spec.description,
      model: this.models.modelNameFor(spec),
      tools: this.toolNamesFor(spec),
      handoffs: [...spec.handoffs],
    };
  }
}
