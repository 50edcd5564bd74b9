import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner, type RunStreamEvent } from '@openai/agents';
import { testConfig } from '../../../../test/harness.js';
import {
  lastToolOutput,
  lastUserText,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../../../../test/support/fake-openai.js';
import type { Caller } from '../../../platform/caller.js';
import { AgentRegistry } from '../agent-registry.js';
import { createConversationAssistant } from '../conversation-assistant.js';
import type { AgentRunContext } from '../run-context.js';
import { AGENT_SPECS } from '../specs/index.js';
import { createToolRegistry } from '../tools/tool-registry.js';
import { createModelResolver } from './model-provider.js';

const caller: Caller = {
  subject: 'user:u1',
  userId: '00000000-0000-4000-8000-000000000001',
  serviceAccountId: null,
  tenantId: '00000000-0000-4000-8000-0000000000aa',
  role: 'member',
  scopes: [],
  sessionId: 's',
  emailVerified: true,
};
const searched: { caller: Caller; query: string }[] = [];
const context: AgentRunContext = {
  caller,
  conversationId: 'c',
  runId: 'r',
  conversations: { search: async (c, query) => (searched.push({ caller: c, query }), []) },
};

function registryFor(env: Record<string, string>) {
  const config = testConfig(env);
  return new AgentRegistry(
    AGENT_SPECS,
    createToolRegistry({ now: () => new Date('2030-01-02T03:04:05.000Z') }),
    createModelResolver(config.models),
  );
}

async function collect(registry: AgentRegistry, agent: string, message: string) {
  const runner = new Runner({ tracingDisabled: true });
  const result = await runner.run(registry.get(agent)!, message, { stream: true, context, maxTurns: 6 });
  const events: RunStreamEvent[] = [];
  let text = '';
  for await (const e of result) {
    events.push(e);
    if (e.type === 'raw_model_stream_event' && e.data.type === 'output_text_delta') text += e.data.delta;
  }
  await result.completed;
  const names = events.filter((e) => e.type === 'run_item_stream_event').map((e) => (e as { name: string }).name);
  return { result, text, names };
}

describe('offline model through the SDK runner', () => {
  const registry = registryFor({ MODEL_PROVIDER: 'offline' });

  it('answers with at least the message words plus five, streamed a word per delta', async () => {
    const message = 'hello there how are you';
    const { result, text } = await collect(registry, 'triage', message);
    expect(text).toBe(result.finalOutput);
    expect(text.split(' ').length).toBeGreaterThanOrEqual(5 + 5);
    expect(result.state.usage.outputTokens).toBe(text.split(' ').length);
    expect(result.state.usage.inputTokens).toBeGreaterThan(5);
  });

  it('calls current_time for a message about the time, then answers with its output', async () => {
    const { result, names } = await collect(registry, 'triage', 'What time is it?');
    expect(names).toEqual(['tool_called', 'tool_output', 'message_output_created']);
    expect(result.finalOutput).toBe('The current time is 2030-01-02T03:04:05.000Z.');
  });

  it('calls the calculator for "calculate <expression>"', async () => {
    const { result } = await collect(registry, 'triage', 'calculate (2 + 3) * 4?');
    expect(result.finalOutput).toBe('(2 + 3) * 4 = 20');
  });

  it.each([
    ['I have a bug in my TypeScript function', 'code_assistant'],
    ['Summarise this CSV data as a chart', 'data_analyst'],
  ])('hands %j off to %s, which answers', async (message, specialist) => {
    const { result, names, text } = await collect(registry, 'triage', message);
    expect(names.slice(0, 2)).toEqual(['handoff_requested', 'handoff_occurred']);
    expect(result.lastAgent?.name).toBe(specialist);
    expect(text).toContain(`answering as ${specialist}`);
  });

  it('answers without streaming too (getResponse)', async () => {
    const runner = new Runner({ tracingDisabled: true });
    const result = await runner.run(registry.get('triage')!, 'debug this code please', { context, maxTurns: 6 });
    expect(result.lastAgent?.name).toBe('code_assistant');
    expect(String(result.finalOutput).split(' ').length).toBeGreaterThanOrEqual(4 + 5);
  });

  it('gives search_conversations the caller from the run context', async () => {
    searched.length = 0;
    const runner = new Runner({ tracingDisabled: true });
    const agent = registry.get('triage')!;
    const tool = agent.tools.find((t) => t.name === 'search_conversations')!;
    expect(tool).toBeDefined();
    // Invoke through the SDK as the model would.
    const { RunContext } = await import('@openai/agents');
    const out = await (tool as { invoke: (ctx: unknown, input: string) => Promise<unknown> }).invoke(
      new RunContext(context),
      JSON.stringify({ query: 'invoices', limit: null }),
    );
    expect(out).toBe('{"results":[]}');
    expect(searched).toEqual([{ caller, query: 'invoices' }]);
    void runner;
  });
});

describe('openai provider through the real SDK client against the fake server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({
      script: ({ body }) => {
        const out = lastToolOutput(body);
        if (out !== undefined) return { text: `Result: ${out}` };
        const text = lastUserText(body);
        if (text.startsWith('calc'))
          return { toolCalls: [{ name: 'calculator', arguments: JSON.stringify({ expression: '6*7' }) }] };
        if (text.startsWith('code')) return { toolCalls: [{ name: 'transfer_to_code_assistant', arguments: '{}' }] };
        if (text.startsWith('fail'))
          return { error: { status: 400, message: 'bad request from fake', type: 'invalid_request_error' } };
        return { text: 'one two three four' };
      },
    });
  });
  afterAll(() => fake.close());

  for (const api of ['responses', 'chat_completions'] as const) {
    describe(api, () => {
      const registry = () =>
        registryFor({
          MODEL_PROVIDER: 'openai',
          OPENAI_BASE_URL: fake.baseURL,
          OPENAI_API: api,
          OPENAI_MODEL: 'fake-1',
          OPENAI_AGENT_MODELS: '{"code_assistant":"fake-code"}',
        });

      it('streams text deltas that add up to the final output', async () => {
        const before = fake.requests.length;
        const { result, text } = await collect(registry(), 'triage', 'hello');
        expect(text).toBe('one two three four');
        expect(result.finalOutput).toBe('one two three four');
        expect(result.state.usage.outputTokens).toBe(4);
        const req = fake.requests[before];
        expect(req.api).toBe(api);
        expect(req.body.model).toBe('fake-1');
        expect(req.body.stream).toBe(true);
      });

      it('runs a tool call and a handoff (per-agent model override)', async () => {
        const calc = await collect(registry(), 'triage', 'calc please');
        expect(calc.names).toEqual(['tool_called', 'tool_output', 'message_output_created']);
        expect(calc.result.finalOutput).toBe('Result: 42');
        const before = fake.requests.length;
        const code = await collect(registry(), 'triage', 'code question');
        expect(code.result.lastAgent?.name).toBe('code_assistant');
        expect(fake.requests[before + 1].body.model).toBe('fake-code');
      });

      it('answers without streaming', async () => {
        const runner = new Runner({ tracingDisabled: true });
        const before = fake.requests.length;
        const result = await runner.run(registry().get('triage')!, 'hello', { context });
        expect(result.finalOutput).toBe('one two three four');
        expect(fake.requests[before].body.stream).toBeFalsy();
      });

      it('titles a conversation by a plain request with the body the SDK would send', async () => {
        const resolver = createModelResolver(
          testConfig({
            MODEL_PROVIDER: 'openai',
            OPENAI_BASE_URL: fake.baseURL,
            OPENAI_API: api,
            OPENAI_MODEL: 'fake-1',
          }).models,
        );
        expect(resolver.complete).toBeDefined();
        const bodies = [];
        for (const assistant of [
          createConversationAssistant(resolver),
          createConversationAssistant({ ...resolver, complete: undefined }),
        ]) {
          const before = fake.requests.length;
          const title = await assistant.title({ message: 'hello', response: '' }, new AbortController().signal);
          expect(title).toBe('one two three four');
          expect(fake.requests).toHaveLength(before + 1);
          bodies.push(fake.requests[before]!.body);
        }
        expect(bodies[0]).toEqual(bodies[1]);
        expect(bodies[0]!.stream).toBe(false);
      });

      it('surfaces an API error from the server', async () => {
        const runner = new Runner({ tracingDisabled: true });
        await expect(runner.run(registry().get('triage')!, 'fail now', { context })).rejects.toMatchObject({
          status: 400,
        });
      });
    });
  }
});

describe('agent registry', () => {
  it('lists the agents with their handoffs, tools and models', () => {
    const registry = registryFor({ MODEL_PROVIDER: 'offline' });
    expect(registry.listSpecs().map((s) => s.name)).toEqual(['triage', 'code_assistant', 'data_analyst']);
    expect(registry.summary(registry.spec('triage')!)).toMatchObject({
      handoffs: ['code_assistant', 'data_analyst'],
      model: 'offline',
    });
    expect(registry.get('triage')!.handoffs).toHaveLength(2);
  });

  it('refuses a handoff to an unknown agent', () => {
    const spec = { ...AGENT_SPECS[0], handoffs: ['nobody'] };
    expect(() => new AgentRegistry([spec], createToolRegistry(), createModelResolver(testConfig().models))).toThrow(
      'unknown agent nobody',
    );
  });
});
