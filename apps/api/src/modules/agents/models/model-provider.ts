import OpenAI from 'openai';
import { OpenAIChatCompletionsModel, OpenAIResponsesModel, setTracingDisabled, type Model } from '@openai/agents';
import type { Config } from '../../../config.js';
import type { ModelResolver } from '../agent-registry.js';
import type { AgentSpec } from '../specs/agent-spec.js';
import { OfflineModel } from './offline-model.js';
import { fetchRequiringStreamEnd } from './stream-end-check.js';

/**
 * One tool-less, one-turn text request (a title, a summary): the body the agents SDK's
 * `Model.getResponse` sends for it, on the same client and model name, without its per-call
 * machinery (request builder, response span, output conversion). Resolves with the answer's text.
 */
export type PlainCompletion = (
  spec: AgentSpec,
  request: { instructions: string; input: string; signal: AbortSignal },
) => Promise<string>;

/**
 * The provider factory: picks the model of every agent from configuration.
 * - `offline`: the rule-based OfflineModel (no network).
 * - `openai`: the Responses API by default, Chat Completions with `OPENAI_API=chat_completions`,
 *   against `OPENAI_BASE_URL` when set (vLLM, Ollama, LM Studio, the test fake). The model name is
 *   OPENAI_AGENT_MODELS[agent] ?? the spec's `model` ?? OPENAI_MODEL.
 * Tracing export stays off unless OPENAI_AGENTS_TRACING=1.
 */
export function createModelResolver(
  models: Config['models'],
  options: { openAIClient?: OpenAI } = {},
): ModelResolver & { provider: 'offline' | 'openai'; complete?: PlainCompletion } {
  // NOTE: the SDK keeps tracing state per process; this is configuration, set the same way by every app.
  setTracingDisabled(!models.tracing);

  if (models.provider === 'offline') {
    return {
      provider: 'offline',
      modelFor: (spec: AgentSpec): Model => new OfflineModel({ agentName: spec.name, delayMs: models.offlineDelayMs }),
      modelNameFor: () => 'offline',
    };
  }

  const client =
    options.openAIClient ??
    new OpenAI({
      // An OpenAI-compatible server without auth still needs a non-empty key in the client.
      apiKey: models.openaiApiKey ?? 'not-needed',
      baseURL: models.openaiBaseUrl,
      maxRetries: 2,
      // A Chat Completions stream cut short fails instead of completing with a truncated answer.
      fetch: fetchRequiringStreamEnd(),
    });
  const nameFor = (spec: AgentSpec) => models.agentModels[spec.name] ?? spec.model ?? models.openaiModel;
  const chat = models.openaiApi === 'chat_completions';
  const complete: PlainCompletion = async (spec, { instructions, input, signal }) => {
    if (chat) {
      const res = await client.chat.completions.create(
        {
          model: nameFor(spec),
          messages: [
            { content: instructions, role: 'system' },
            { role: 'user', content: input },
          ],
          stream: false,
        },
        { signal },
      );
      return res.choices[0]?.message.content ?? '';
    }
    const res = await client.responses.create(
      {
        model: nameFor(spec),
        instructions,
        input: [{ role: 'user', content: input }],
        include: [],
        tools: [],
        stream: false,
      },
      { signal },
    );
    let text = '';
    for (const item of res.output) {
      if (item.type !== 'message' || item.role !== 'assistant') continue;
      for (const part of item.content) if (part.type === 'output_text') text += part.text;
    }
    return text;
  };
  return {
    provider: 'openai',
    // With tracing exported, helper calls keep the SDK's path (their trace and response span).
    ...(models.tracing ? {} : { complete }),
    modelFor: (spec) =>
      models.openaiApi === 'chat_completions'
        ? new OpenAIChatCompletionsModel(client, nameFor(spec))
        : new OpenAIResponsesModel(client, nameFor(spec)),
    modelNameFor: nameFor,
  };
}
