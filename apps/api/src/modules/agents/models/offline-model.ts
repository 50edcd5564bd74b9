import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Usage,
  type AgentOutputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type StreamEvent,
} from '@openai/agents';
import { countWords, decide, itemText } from './offline-rules.js';

/**
 * The built-in model used when no OpenAI key is configured: implements the SDK `Model` interface
 * by rule (see offline-rules.ts), so every path — tools, handoffs, streaming, usage — works and is
 * testable without a network. Usage is counted in words, deterministically.
 */
export class OfflineModel implements Model {
  constructor(private readonly options: { agentName: string; delayMs: number }) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    request.signal?.throwIfAborted();
    const { output, usage } = this.respond(request);
    return { usage, output, responseId: `resp_offline_${randomUUID()}` };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    request.signal?.throwIfAborted();
    const { output, usage, text } = this.respond(request);
    yield { type: 'response_started' };
    if (text !== undefined) {
      const itemId = (output[0] as { id?: string }).id;
      const words = text.split(' ');
      for (let i = 0; i < words.length; i++) {
        if (i > 0 && this.options.delayMs > 0) await sleep(this.options.delayMs, undefined, { signal: request.signal });
        request.signal?.throwIfAborted();
        yield { type: 'output_text_delta', delta: i === 0 ? words[i] : ` ${words[i]}`, itemId };
      }
    }
    yield {
      type: 'response_done',
      response: {
        id: `resp_offline_${randomUUID()}`,
        usage: {
          requests: 1,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          totalTokens: usage.totalTokens,
        },
        // The stream event's schema is narrower than AgentOutputItem; our items are all valid in it.
        output: output as Extract<StreamEvent, { type: 'response_done' }>['response']['output'],
      },
    };
  }

  private respond(request: ModelRequest): { output: AgentOutputItem[]; usage: Usage; text?: string } {
    const decision = decide(request, this.options.agentName);
    const inputTokens =
      countWords(request.systemInstructions ?? '') +
      (typeof request.input === 'string'
        ? countWords(request.input)
        : request.input.reduce((n, item) => n + countWords(itemText(item)), 0));
    const usageOf = (outputTokens: number) =>
      new Usage({ requests: 1, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

    if (decision.kind === 'text') {
      const output: AgentOutputItem[] = [
        {
          type: 'message',
          id: `msg_offline_${randomUUID()}`,
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: decision.text }],
        },
      ];
      return { output, usage: usageOf(countWords(decision.text)), text: decision.text };
    }
    const name = decision.kind === 'tool' ? decision.name : decision.toolName;
    const args = JSON.stringify(decision.kind === 'tool' ? decision.arguments : {});
    const output: AgentOutputItem[] = [
      {
        type: 'function_call',
        id: `fc_offline_${randomUUID()}`,
        callId: `call_${randomUUID().replace(/-/g, '')}`,
        name,
        arguments: args,
        status: 'completed',
      },
    ];
    return { output, usage: usageOf(countWords(`${name} ${args}`)) };
  }
}
