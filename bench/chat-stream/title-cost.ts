/**
 * CPU of a new conversation's title against the streamed answer's SDK run, in this process, with the
 * fake model server in its own: the title through the SDK's `Model.getResponse` (as before) and as the
 * plain request the API now sends (`createModelResolver(...).complete`), interleaved, 8 rounds of 200
 * calls 4 at a time (`process.cpuUsage`; docs/performance.md, branch `runpath`).
 *
 *   npx tsx bench/chat-stream/title-cost.ts
 */
import { Runner, setTracingDisabled, Agent, OpenAIResponsesModel } from '@openai/agents';
import OpenAI from 'openai';
import { testConfig } from '../../apps/api/test/harness.js';
import { createModelResolver } from '../../apps/api/src/modules/agents/models/model-provider.js';
import { createConversationAssistant } from '../../apps/api/src/modules/agents/conversation-assistant.js';
import { startFakeServer } from './processes.js';

const fake = await startFakeServer(20);
const resolver = createModelResolver(
  testConfig({
    MODEL_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.url,
    OPENAI_API: 'responses',
    OPENAI_MODEL: 'fake-bench',
  }).models,
);
setTracingDisabled(true);
const plain = createConversationAssistant(resolver);
const sdk = createConversationAssistant({ ...resolver, complete: undefined });
const agent = new Agent({
  name: 'a',
  instructions: 'You are a helpful assistant.',
  model: new OpenAIResponsesModel(new OpenAI({ apiKey: 'x', baseURL: fake.url }), 'fake-bench'),
});
const runner = new Runner();
const title = (a: typeof plain) => () =>
  a.title({ message: 'tell me about pelicans', response: '' }, new AbortController().signal);
const answer = async () => {
  const r = await runner.run(agent, 'hello there', { stream: true });
  for await (const _ of r) {
  }
  await r.completed;
};
const N = 200,
  C = 4;
async function measure(fn: () => Promise<unknown>) {
  const t0 = process.cpuUsage();
  let i = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (i++ < N) await fn();
    }),
  );
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) / 1000 / N).toFixed(2);
}
for (const f of [title(plain), title(sdk), answer]) for (let k = 0; k < 30; k++) await f();
const S: number[] = [],
  P: number[] = [],
  A: number[] = [];
for (let round = 0; round < 8; round++) {
  S.push(Number(await measure(title(sdk))));
  P.push(Number(await measure(title(plain))));
  A.push(Number(await measure(answer)));
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
console.log('sdk', S.join(' '), 'median', med(S));
console.log('plain', P.join(' '), 'median', med(P));
console.log('answer', A.join(' '), 'median', med(A));
console.log('plain/sdk per round', S.map((s, i) => (P[i]! / s).toFixed(2)).join(' '));
await fake.stop();
