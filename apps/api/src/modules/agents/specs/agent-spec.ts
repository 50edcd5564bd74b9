import type { GuardrailRule } from '@agentry/contracts';
import type { ModelSettings } from '@openai/agents';

/**
 * One agent, declared as data. The registry turns specs into SDK `Agent`s; adding an agent is
 * adding one file under `specs/` and listing it in `specs/index.ts`.
 */
export interface AgentSpec {
  /** Stable id used by the API (`agent` in requests) and the SDK; snake_case. */
  name: string;
  displayName: string;
  /** Shown in `GET /agents`. */
  description: string;
  /** Given to the model of an agent that can hand off to this one. */
  handoffDescription: string;
  instructions: string;
  /** Model name for the openai provider; `undefined` uses OPENAI_MODEL (overridable per agent by OPENAI_AGENT_MODELS). */
  model?: string;
  /** SDK model settings, e.g. `{ reasoning: { effort: 'low' } }` or `{ temperature: 0.2 }`. */
  modelSettings?: ModelSettings;
  /** Tool names the agent gets explicitly (on top of core tools and capability matches). */
  tools: string[];
  /** Capabilities it claims; tools declaring one of them are given to it. */
  capabilities: string[];
  /** Names of agents it can hand off to. */
  handoffs: string[];
  /**
   * Guardrails this agent always applies, merged with the tenant's rules for a run it starts
   * (guardrails README: stages add up, the stricter action wins).
   */
  guardrails?: GuardrailRule[];
}
