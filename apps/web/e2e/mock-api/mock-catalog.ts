/** The agents, tools and plans the mock API serves, shaped like the real offline configuration. */
export const AGENTS = [
  { name: 'triage', display_name: 'Triage', description: 'Answers general questions and routes specialist ones.', model: 'offline', tools: ['current_time', 'calculator'], handoffs: ['code_assistant', 'data_analyst'] },
  { name: 'code_assistant', display_name: 'Code Assistant', description: 'Reads, explains and fixes code.', model: 'offline', tools: ['calculator'], handoffs: ['triage'] },
  { name: 'data_analyst', display_name: 'Data Analyst', description: 'Works with tables, CSV and charts.', model: 'offline', tools: ['calculator'], handoffs: ['triage'] },
];
export const TOOLS = [
  { name: 'current_time', description: 'The current date and time in UTC.', core: true, agents: ['triage'], capabilities: ['read-only'], parameters: { type: 'object', properties: {} } },
  { name: 'calculator', description: 'Evaluates an arithmetic expression.', core: true, agents: ['triage', 'code_assistant', 'data_analyst'], capabilities: ['pure'], parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } },
];
const features = (messages: number | null, tokens: number | null) => [
  { key: 'messages', display_name: 'Messages', hard_limit: messages, soft_limit: messages && Math.floor(messages * 0.75), metered: true },
  { key: 'output_tokens', display_name: 'Output tokens', hard_limit: tokens, soft_limit: tokens && Math.floor(tokens * 0.8), metered: true },
];
export const PLANS = [
  { code: 'free', name: 'Free', description: 'For trying Agentry out.', interval: 'month', price_cents: 0, currency: 'usd', trial_days: 0, seats_included: 1, features: features(200, 100_000) },
  { code: 'pro', name: 'Pro', description: 'For a person who chats every day.', interval: 'month', price_cents: 2000, currency: 'usd', trial_days: 14, seats_included: 1, features: features(5000, 2_000_000) },
  { code: 'team', name: 'Team', description: 'For teams sharing agents.', interval: 'month', price_cents: 9900, currency: 'usd', trial_days: 14, seats_included: 5, features: features(null, null) },
];
