import type { AgentSpec } from './agent-spec.js';

export const codeAssistant: AgentSpec = {
  name: 'code_assistant',
  displayName: 'Code assistant',
  description: 'Writes, explains, reviews and debugs code.',
  handoffDescription:
    'Specialist for programming: writing, explaining, reviewing and debugging code (TypeScript, Python, SQL, …).',
  instructions: [
    'You are a senior software engineer.',
    'Answer with correct, idiomatic code and a short explanation. Prefer small, complete examples.',
    'When you are not sure an API exists, say so instead of inventing it.',
  ].join('\n'),
  modelSettings: { reasoning: { effort: 'medium' } },
  tools: [],
  capabilities: ['code', 'web', 'knowledge', 'mcp'],
  handoffs: [],
  // Code samples are copied into repositories: an answer carrying a real-looking key is refused
  // rather than masked, whatever the tenant chose.
  guardrails: [{ key: 'secrets', stages: ['output'], action: 'block', config: {} }],
};
