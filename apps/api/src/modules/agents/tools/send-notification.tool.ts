import { tool } from '@openai/agents';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import type { ToolDefinition } from './tool-definition.js';

/**
 * `send_notification`: the built-in example of a tool that needs a person's approval. It stands for
 * any call with an effect outside the conversation (a message sent, a ticket filed), but is
 * harmless: it sends nothing and only records the notice in the conversation (its output, stored
 * with the run's tool calls). Each call pauses the run until the caller approves or rejects it.
 */
export function sendNotificationTool(): ToolDefinition {
  const description = 'Sends a short notification message to the team (a person approves each one before it is sent).';
  const requiresApproval = true;
  return {
    name: 'send_notification',
    description,
    core: false,
    agents: ['triage'],
    capabilities: [],
    requiresApproval,
    tool: tool<z.ZodObject<{ message: z.ZodString }>, AgentRunContext>({
      name: 'send_notification',
      description,
      parameters: z.object({ message: z.string().min(1).max(500).describe('The notification text') }),
      needsApproval: requiresApproval,
      execute: async ({ message }) => `Notification recorded: ${message}`,
    }),
  };
}
