import { Agent, Runner } from '@openai/agents';
import type { Config } from '../../config.js';
import { offlineAssistant, type ConversationAssistant } from '../conversations/conversation-memory.js';
import type { ModelResolver } from './agent-registry.js';
import type { AgentSpec } from './specs/agent-spec.js';

const TITLE_INSTRUCTIONS =
  'You name chat conversations. Reply with a short title (at most six words) for the conversation ' +
  'below: no quotes, no trailing punctuation, in the language of the user.';
const SUMMARY_INSTRUCTIONS =
  'You keep the memory of a long chat conversation. Given the summary so far (if any) and the older ' +
  'turns that follow it, write one updated summary: the facts, names, numbers, decisions and open ' +
  'questions that later turns may need, in concise prose or bullet points, at most 400 words.';

/** A helper agent (no tools, no handoffs) on the configured model; `OPENAI_AGENT_MODELS[name]` overrides it. */
function helperSpec(name: string, instructions: string): AgentSpec {
  return {
    name,
    displayName: name,
    description: '',
    handoffDescription: '',
    instructions,
    tools: [],
    capabilities: [],
    handoffs: [],
  };
}

const cleanTitle = (raw: string) =>
  raw
    .split(/\r?\n/)
    .find((l) => l.trim())
    ?.trim()
    .replace(/^["'“«]+|["'”»]+$/g, '')
    .replace(/[.!]+$/, '')
    .slice(0, 80)
    .trim() ?? '';

/**
 * Titles and summaries of conversations: two cheap agents on the configured model (openai), or the
 * deterministic offline versions (the first words; one line per older message).
 */
export function createConversationAssistant(
  models: Config['models'],
  resolver: ModelResolver & { provider: 'offline' | 'openai' },
): ConversationAssistant {
  if (resolver.provider === 'offline') return offlineAssistant;
  const runner = new Runner({ tracingDisabled: !models.tracing, workflowName: 'Agentry conversation assistant' });
  const titleSpec = helperSpec('title_writer', TITLE_INSTRUCTIONS);
  const summarySpec = helperSpec('summarizer', SUMMARY_INSTRUCTIONS);
  const titler = new Agent({
    name: titleSpec.name,
    instructions: TITLE_INSTRUCTIONS,
    model: resolver.modelFor(titleSpec),
  });
  const summarizer = new Agent({
    name: summarySpec.name,
    instructions: SUMMARY_INSTRUCTIONS,
    model: resolver.modelFor(summarySpec),
  });
  return {
    async title({ message, response }, signal) {
      const input = `User: ${message.slice(0, 2000)}\nAssistant: ${response.slice(0, 1000)}`;
      const result = await runner.run(titler, input, { signal, maxTurns: 1 });
      const title = cleanTitle(String(result.finalOutput ?? ''));
      return title || offlineAssistant.title({ message, response }, signal);
    },
    async summarize({ previous, transcript }, signal) {
      const input = `${previous ? `Summary so far:\n${previous}\n\n` : ''}Older turns:\n${transcript}`;
      const result = await runner.run(summarizer, input, { signal, maxTurns: 1 });
      const text = String(result.finalOutput ?? '').trim();
      if (!text) throw new Error('the summarizer returned nothing');
      return text;
    },
  };
}
