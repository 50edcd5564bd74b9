import { Agent, type AgentOutputItem, type Model, withTrace } from '@openai/agents';
import { offlineAssistant, type ConversationAssistant } from '../conversations/conversation-memory.js';
import type { ModelResolver } from './agent-registry.js';
import type { PlainCompletion } from './models/model-provider.js';
import type { AgentSpec } from './specs/agent-spec.js';

const TITLE_INSTRUCTIONS =
  'You name chat conversations. Reply with a short title (at most six words) for the conversation ' +
  'below: no quotes, no trailing punctuation, in the language of the user.';
const SUMMARY_INSTRUCTIONS =
  'You keep the memory of a long chat conversation. Given the summary so far (if any) and the older ' +
  'turns that follow it, write one updated summary: the facts, names, numbers, decisions and open ' +
  'questions that later turns may need, in concise prose or bullet points, at most 400 words.';

const TRACE_NAME = 'Agentry conversation assistant';

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

/** The text of a model answer: its assistant messages' output text, in order. */
function outputText(output: AgentOutputItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message' || item.role !== 'assistant') continue;
    for (const part of item.content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}

/**
 * One model call for a helper agent: no tools, no handoffs, no session, one turn — what a Runner
 * run of it amounts to, without the run loop's per-run machinery (run state, result, session
 * bookkeeping), which was 20–40 % of the CPU of a new conversation's title
 * (docs/performance.md). In a trace of its own, as a Runner run was (exported only with
 * OPENAI_AGENTS_TRACING=1).
 */
async function sdkComplete(agent: Agent, input: string, signal: AbortSignal): Promise<string> {
  const model = agent.model as Model;
  const response = await withTrace(TRACE_NAME, () =>
    model.getResponse({
      systemInstructions: agent.instructions as string,
      input,
      modelSettings: agent.modelSettings,
      tools: [],
      outputType: 'text',
      handoffs: [],
      tracing: false,
      signal,
    }),
  );
  return outputText(response.output);
}

/**
 * Titles and summaries of conversations: two cheap agents on the configured model (openai), or the
 * deterministic offline versions (the first words; one line per older message).
 */
export function createConversationAssistant(
  resolver: ModelResolver & { provider: 'offline' | 'openai'; complete?: PlainCompletion },
): ConversationAssistant {
  if (resolver.provider === 'offline') return offlineAssistant;
  const plain = resolver.complete;
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
  /**
   * The helper's answer. Without exported tracing and with the SDK's default (empty) model settings,
   * a plain request of the same body on the same client: the SDK's per-call work was ~25 % of a
   * title's CPU (docs/performance.md); otherwise the SDK's call.
   */
  const complete = (agent: Agent, spec: AgentSpec, input: string, signal: AbortSignal) =>
    plain && Object.keys(agent.modelSettings).length === 0
      ? plain(spec, { instructions: agent.instructions as string, input, signal })
      : sdkComplete(agent, input, signal);
  return {
    async title({ message, response }, signal) {
      // A title made beside the answer (chat/run-title.ts) has only the question: no empty answer line.
      const input = `User: ${message.slice(0, 2000)}${response ? `\nAssistant: ${response.slice(0, 1000)}` : ''}`;
      const title = cleanTitle(await complete(titler, titleSpec, input, signal));
      return title || offlineAssistant.title({ message, response }, signal);
    },
    async summarize({ previous, transcript }, signal) {
      const input = `${previous ? `Summary so far:\n${previous}\n\n` : ''}Older turns:\n${transcript}`;
      const text = (await complete(summarizer, summarySpec, input, signal)).trim();
      if (!text) throw new Error('the summarizer returned nothing');
      return text;
    },
  };
}
