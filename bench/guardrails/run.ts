/**
 * Benchmark: the guardrail detectors.
 *
 * 1. The prompt-injection classifier on a labelled set (bench/guardrails/labelled-set.ts): precision,
 *    recall and F1. A model judge is not part of this build (see the guardrails README).
 * 2. The latency each stage adds per message, on the texts a run checks (a short chat message, a long
 *    message, a tool output the size of a web page), with a new tenant's defaults and with every local
 *    guardrail on, against the same call with no rules (the baseline: what a run pays without them).
 *
 *   npx tsx bench/guardrails/run.ts
 */
import { GUARDRAIL_STAGES, type GuardrailRule } from '@agentry/contracts';
import { DEFAULT_RULES } from '../../apps/api/src/modules/guardrails/catalog.js';
import { createModeration } from '../../apps/api/src/modules/guardrails/detectors/moderation.js';
import { detectPromptInjection } from '../../apps/api/src/modules/guardrails/detectors/prompt-injection.js';
import { GuardrailEngine } from '../../apps/api/src/modules/guardrails/guardrail-engine.js';
import { Metrics } from '../../apps/api/src/platform/metrics.js';
import { BENIGN, INJECTIONS } from './labelled-set.js';

// 1. Classifier quality.
const truePositives = INJECTIONS.filter((t) => detectPromptInjection(t).length > 0).length;
const falsePositives = BENIGN.filter((t) => detectPromptInjection(t).length > 0);
const precision = truePositives / (truePositives + falsePositives.length);
const recall = truePositives / INJECTIONS.length;
console.log(`prompt_injection (local classifier) on ${INJECTIONS.length} attacks and ${BENIGN.length} ordinary texts:`);
console.log(
  `  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  F1 ${((2 * precision * recall) / (precision + recall)).toFixed(3)}`,
);
for (const text of falsePositives) console.log(`  false positive: ${text}`);

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
