/**
 * Benchmark: the guardrail detectors.
 *
 * 1. Prompt injection on a labelled set (bench/guardrails/labelled-set.ts): precision, recall and F1
 *    of the local classifier alone, and of the local classifier with the model judge (asked only
 *    about what the classifier passed, as GUARDRAILS_INJECTION_JUDGE=model runs it). The judge is
 *    answered by a scripted fake OpenAI server (scripted-judge.ts) unless BENCH_GUARDRAILS_JUDGE=real,
 *    which asks the model of OPENAI_API_KEY / OPENAI_BASE_URL (GUARDRAILS_INJECTION_JUDGE_MODEL,
 *    default gpt-4.1-mini).
 * 2. The latency each stage adds per message, on the texts a run checks (a short chat message, a long
 *    message, a tool output the size of a web page), with a new tenant's defaults and with every local
 *    guardrail on, against the same call with no rules (the baseline: what a run pays without them).
 *
 *   npx tsx bench/guardrails/run.ts
 */
import { GUARDRAIL_STAGES, type GuardrailRule } from '@agentry/contracts';
import { DEFAULT_RULES } from '../../apps/api/src/modules/guardrails/catalog.js';
import { createInjectionJudge } from '../../apps/api/src/modules/guardrails/detectors/injection-judge.js';
import { createModeration } from '../../apps/api/src/modules/guardrails/detectors/moderation.js';
import { detectPromptInjection } from '../../apps/api/src/modules/guardrails/detectors/prompt-injection.js';
import { GuardrailEngine } from '../../apps/api/src/modules/guardrails/guardrail-engine.js';
import { Metrics } from '../../apps/api/src/platform/metrics.js';
import { lastUserText, startFakeOpenAI } from '../../apps/api/test/support/fake-openai.js';
import { BENIGN, INJECTIONS } from './labelled-set.js';
import { scriptedVerdict } from './scripted-judge.js';

// 1. Detection quality: the local classifier alone, then with the judge.
async function quality(label: string, flags: (text: string) => Promise<boolean>) {
  const missed: string[] = [];
  const falsePositives: string[] = [];
  for (const text of INJECTIONS) if (!(await flags(text))) missed.push(text);
  for (const text of BENIGN) if (await flags(text)) falsePositives.push(text);
  const truePositives = INJECTIONS.length - missed.length;
  const precision = truePositives / (truePositives + falsePositives.length);
  const recall = truePositives / INJECTIONS.length;
  const f1 = (2 * precision * recall) / (precision + recall);
  console.log(
    `  ${label.padEnd(24)}precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  F1 ${f1.toFixed(3)}`,
  );
  for (const text of falsePositives) console.log(`    false positive: ${text}`);
  for (const text of missed) console.log(`    missed: ${text}`);
}

console.log(`prompt_injection on ${INJECTIONS.length} attacks and ${BENIGN.length} ordinary texts:`);
await quality('local classifier', async (text) => detectPromptInjection(text).length > 0);

const realJudge = process.env.BENCH_GUARDRAILS_JUDGE === 'real';
const fake = realJudge
  ? undefined
  : await startFakeOpenAI({
      script: ({ body }) => ({
        text: scriptedVerdict(
          lastUserText(body)
            .replace(/^<text>\n/, '')
            .replace(/\n<\/text>$/, ''),
        ),
      }),
    });
const judgeMetrics = new Metrics();
const judged = new GuardrailEngine({
  moderation: createModeration({}),
  metrics: new Metrics(),
  injectionJudge: createInjectionJudge(
    {
      apiKey: realJudge ? process.env.OPENAI_API_KEY : undefined,
      baseUrl: fake?.baseURL ?? process.env.OPENAI_BASE_URL,
      api: process.env.OPENAI_API === 'chat_completions' ? 'chat_completions' : 'responses',
      model: realJudge ? (process.env.GUARDRAILS_INJECTION_JUDGE_MODEL ?? 'gpt-4.1-mini') : 'scripted-judge',
      timeoutMs: 10_000,
      onError: 'open',
    },
    judgeMetrics,
  ),
});
const injectionRule: GuardrailRule[] = [{ key: 'prompt_injection', stages: ['input'], action: 'block', config: {} }];
await quality(
  `local + ${realJudge ? 'model' : 'scripted'} judge`,
  async (text) => (await judged.check(injectionRule, 'input', text)).blocked !== null,
);
const verdicts = (await judgeMetrics.registry.getSingleMetric('guardrail_injection_judge_total')?.get())?.values ?? [];
console.log(
  `  judge asked about ${verdicts.reduce((n, v) => n + v.value, 0)} of ${INJECTIONS.length + BENIGN.length} texts (${verdicts.map((v) => `${v.labels.verdict} ${v.value}`).join(', ')})`,
);
await fake?.close();

// 2. Added latency per stage.
const ALL_LOCAL: GuardrailRule[] = [
  { key: 'pii', stages: [...GUARDRAIL_STAGES], action: 'mask', config: {} },
  { key: 'secrets', stages: [...GUARDRAIL_STAGES], action: 'mask', config: {} },
  { key: 'prompt_injection', stages: [...GUARDRAIL_STAGES], action: 'warn', config: {} },
  {
    key: 'blocked_terms',
    stages: [...GUARDRAIL_STAGES],
    action: 'mask',
    config: { terms: Array.from({ length: 50 }, (_, i) => `codename ${i}`) },
  },
];
const paragraph =
  'Our refund policy lets customers return items within 30 days. Contact support at help@example.com or +44 20 7946 0958. ';
const TEXTS = {
  'chat message (200 chars)': paragraph.slice(0, 200),
  'long message (4 KB)': paragraph.repeat(35).slice(0, 4096),
  'tool output (16 KB page)': `<p>${paragraph}</p>`.repeat(130).slice(0, 16384),
};
const engine = new GuardrailEngine({ moderation: createModeration({}), metrics: new Metrics() });
const ITERATIONS = Number(process.env.BENCH_GUARDRAILS_ITERATIONS ?? 300);

async function timeIt(rules: readonly GuardrailRule[], stage: (typeof GUARDRAIL_STAGES)[number], text: string) {
  for (let i = 0; i < 20; i++) await engine.check(rules, stage, text); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    await engine.check(rules, stage, text);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)] ?? 0, p99: samples[Math.floor(samples.length * 0.99)] ?? 0 };
}

console.log(`\nadded latency per message, µs p50 / p99 (${ITERATIONS} runs each):`);
console.log(
  `${'text'.padEnd(26)}${'stage'.padEnd(13)}${'no rules'.padStart(16)}${'defaults'.padStart(18)}${'all local'.padStart(18)}`,
);
for (const [label, text] of Object.entries(TEXTS)) {
  for (const stage of GUARDRAIL_STAGES) {
    const base = await timeIt([], stage, text);
    const defaults = await timeIt(DEFAULT_RULES, stage, text);
    const all = await timeIt(ALL_LOCAL, stage, text);
    const fmt = (t: { p50: number; p99: number }) => `${t.p50.toFixed(0)} / ${t.p99.toFixed(0)}`.padStart(18);
    console.log(`${label.padEnd(26)}${stage.padEnd(13)}${fmt(base).slice(2)}${fmt(defaults)}${fmt(all)}`);
  }
}
