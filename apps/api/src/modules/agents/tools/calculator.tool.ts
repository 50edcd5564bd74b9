import { tool } from '@openai/agents';
import { z } from 'zod';
import type { AgentRunContext } from '../run-context.js';
import { evaluateExpression, ExpressionError, formatNumber } from './expression.js';
import type { ToolDefinition } from './tool-definition.js';

/** `calculator`: evaluates arithmetic with a real parser (see expression.ts), never `eval`. */
export function calculatorTool(): ToolDefinition {
  const description =
    'Evaluates an arithmetic expression: + - * / % ^, parentheses, pi, e, and sqrt, abs, sin, cos, tan, ln, log, exp, floor, ceil, round, min, max, pow.';
  return {
    name: 'calculator',
    description,
    core: true,
    agents: [],
    capabilities: ['math'],
    tool: tool<z.ZodObject<{ expression: z.ZodString }>, AgentRunContext>({
      name: 'calculator',
      description,
      parameters: z.object({ expression: z.string().min(1).max(500).describe('e.g. (2 + 3) * 4') }),
      execute: async ({ expression }) => {
        try {
          return formatNumber(evaluateExpression(expression));
        } catch (err) {
          // The model gets the reason and can correct itself; anything else is a real failure.
          if (err instanceof ExpressionError) return `Error: ${err.message}`;
          throw err;
        }
      },
    }),
  };
}
