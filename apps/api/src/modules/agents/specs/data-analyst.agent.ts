import type { AgentSpec } from './agent-spec.js';

export const dataAnalyst: AgentSpec = {
  name: 'data_analyst',
  displayName: 'Data analyst',
  description: 'Analyses data: tables, CSV, statistics and charts.',
  handoffDescription: 'Specialist for data: CSV files, tables, statistics, spreadsheets and charts.',
  instructions: [
    'You are a careful data analyst.',
    'Show your working, use the calculator for arithmetic, and say which assumptions you made about the data.',
  ].join('\n'),
  modelSettings: { reasoning: { effort: 'medium' } },
  tools: ['calculator'],
  capabilities: ['math', 'web', 'knowledge', 'mcp'],
  handoffs: [],
};
