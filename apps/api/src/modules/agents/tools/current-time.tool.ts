import { tool } from '@openai/agents';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import type { ToolDefinition } from './tool-definition.js';

/** `current_time`: the server's clock in UTC (or an IANA time zone the model asks for). */
export function currentTimeTool(now: () => Date = () => new Date()): ToolDefinition {
  const description =
    'Returns the current date and time (ISO 8601, UTC unless an IANA time zone such as Europe/Paris is given).';
  return {
    name: 'current_time',
    description,
    core: true,
    agents: [],
    capabilities: [],
    tool: tool<z.ZodObject<{ timezone: z.ZodNullable<z.ZodString> }>, AgentRunContext>({
      name: 'current_time',
      description,
      parameters: z.object({ timezone: z.string().max(64).nullable().describe('IANA time zone, or null for UTC') }),
      execute: async ({ timezone }) => {
        const date = now();
        if (!timezone || timezone === 'UTC') return date.toISOString();
        try {
          const local = new Intl.DateTimeFormat('en-CA', {
            timeZone: timezone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            hour12: false,
            timeZoneName: 'short',
          }).format(date);
          return `${local} (${timezone}); UTC ${date.toISOString()}`;
        } catch {
          return `Unknown time zone "${timezone}"; UTC ${date.toISOString()}`;
        }
      },
    }),
  };
}
