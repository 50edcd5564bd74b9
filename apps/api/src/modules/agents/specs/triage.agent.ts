import type { AgentSpec } from './agent-spec.js';

/** The default entry point: answers simple questions itself, hands specialist work off. */
export const triage: AgentSpec = {
  name: 'triage',
  displayName: 'Triage',
  description: 'The default assistant. Answers general questions and routes code and data questions to a specialist.',
  handoffDescription: 'General assistant that routes requests to the right specialist.',
  instructions: [
    'You are the front desk of a team of assistants.',
    'Answer general questions yourself, concisely.',
    'Hand off to code_assistant for programming, code review, debugging or software design questions.',
    'Hand off to data_analyst for questions about data, CSV files, tables, statistics or charts.',
    'Use current_time for the date or time, calculator for arithmetic, and search_conversations to recall earlier conversations.',
  ].join('\n'),
  modelSettings: { reasoning: { effort: 'low' } },
  tools: [],
  capabilities: ['memory', 'knowledge', 'mcp'],
  handoffs: ['code_assistant', 'data_analyst'],
};
