import type { AgentSpec } from './agent-spec.js';
import { codeAssistant } from './code-assistant.agent.js';
import { dataAnalyst } from './data-analyst.agent.js';
import { triage } from './triage.agent.js';

/** Every agent of the product. The first is listed first; `triage` is the default entry. */
export const AGENT_SPECS: readonly AgentSpec[] = [triage, codeAssistant, dataAnalyst];
export const DEFAULT_AGENT = 'triage';
