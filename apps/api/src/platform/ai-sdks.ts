/**
 * The agents SDK (`@openai/agents`, with its OpenAI provider and MCP client) and the `openai`
 * client, loaded on first use instead of at start: together they were the largest part of a cold
 * start's module loading (~0.8 s of CPU on the 2-core host, docs/performance.md "Cold start"). Every
 * other file imports only their types, and reaches the values through these loaders; code that
 * only runs once an SDK object exists (a run's errors, a paused run's state) reads the loaded
 * module synchronously.
 */
export type AgentsSdk = typeof import('@openai/agents');
export type OpenAISdk = typeof import('openai');

let agents: Promise<AgentsSdk> | undefined;
let agentsLoaded: AgentsSdk | undefined;
let openai: Promise<OpenAISdk> | undefined;
let openaiLoaded: OpenAISdk | undefined;

/**
 * The agents SDK; loaded once (concurrent first callers share the one load). `openai` with it: its
 * OpenAI provider loads it anyway, and run errors are told apart by its error classes.
 */
export function loadAgentsSdk(): Promise<AgentsSdk> {
  agents ??= Promise.all([import('@openai/agents'), loadOpenAI()]).then(([m]) => {
    agentsLoaded = m;
    return m;
  });
  return agents;
}

/** The `openai` client package; loaded once. */
export function loadOpenAI(): Promise<OpenAISdk> {
  openai ??= import('openai').then((m) => {
    openaiLoaded = m;
    return m;
  });
  return openai;
}

/** The agents SDK if it was loaded, else undefined (then no SDK object, nor SDK error, exists yet). */
export function loadedAgentsSdk(): AgentsSdk | undefined {
  return agentsLoaded;
}

/** The `openai` package if it was loaded, else undefined. */
export function loadedOpenAI(): OpenAISdk | undefined {
  return openaiLoaded;
}

/** The agents SDK where an SDK object already exists (so the SDK was loaded); else a wiring bug. */
export function requireAgentsSdk(): AgentsSdk {
  if (!agentsLoaded) throw new Error('the agents SDK is used before it was loaded (loadAgentsSdk)');
  return agentsLoaded;
}
