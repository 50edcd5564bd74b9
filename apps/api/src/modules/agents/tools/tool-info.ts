import type { ToolInfo } from '@agentry/contracts';
import type { ToolDefinition } from './tool-definition.js';

/** The tool as `GET /tools` shows it (`parameters` is the JSON Schema the model sees). */
export function toToolInfo(d: ToolDefinition): ToolInfo {
  return {
    name: d.name,
    description: d.description,
    core: d.core,
    agents: [...d.agents],
    capabilities: [...d.capabilities],
    parameters: d.tool.parameters as unknown as Record<string, unknown>,
    requires_approval: d.requiresApproval === true,
  };
}
