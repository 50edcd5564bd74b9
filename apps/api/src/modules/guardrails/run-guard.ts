import type { GuardrailAction, GuardrailKey, GuardrailRule, GuardrailStage } from '@agentry/contracts';
import type { GuardrailCheck } from './guardrail-engine.js';
import { mergeRules } from './merge-rules.js';

/** A guardrail with the `block` action found something: the run ends with `run.failed` `guardrail_tripped`. */
export class GuardrailTripped extends Error {
  override name = 'GuardrailTripped';
  constructor(
    readonly guardrail: GuardrailKey,
    readonly stage: GuardrailStage,
  ) {
    super(`the ${guardrail} guardrail blocked the run at ${stage}`);
  }
}

/** What a `guardrail.applied` event says. */
export interface GuardrailNotice {
  guardrail: GuardrailKey;
  stage: GuardrailStage;
  action: GuardrailAction;
}

/**
 * The guardrails of one run: each stage's check with the run's rules, reporting every mask and warn
 * (once per guardrail and action per text) and throwing `GuardrailTripped` when one blocks. Tool
 * arguments are checked value by value, so a masked argument is still valid JSON for the tool.
 */
export class RunGuard {
  constructor(
    private readonly run: (
      rules: readonly GuardrailRule[],
      stage: GuardrailStage,
      text: string,
    ) => Promise<GuardrailCheck>,
    private rules: GuardrailRule[],
    private readonly report: (notice: GuardrailNotice) => Promise<void>,
  ) {}

  /**
   * An agent the run was handed off to brings its own defaults: merged in (stricter only) for the
   * rest of the run, so a handoff cannot escape the rules of the agent that answers.
   */
  addAgentRules(agentRules: readonly GuardrailRule[]): void {
    if (agentRules.length > 0) this.rules = mergeRules(this.rules, agentRules);
  }

  private check(stage: GuardrailStage, text: string): Promise<GuardrailCheck> {
    return this.run(this.rules, stage, text);
  }

  /** The text the next step may see (masked), after reporting what applied. */
  async text(stage: GuardrailStage, text: string): Promise<string> {
    const [masked] = await this.checkAll(stage, [text]);
    return masked ?? text;
  }

  /** A tool call's JSON arguments with every string value checked at `tool_input`. */
  async toolInput(argumentsJson: string): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(argumentsJson);
    } catch {
      return this.text('tool_input', argumentsJson);
    }
    const leaves: string[] = [];
    collectStrings(parsed, leaves);
    if (leaves.length === 0) return argumentsJson;
    const masked = await this.checkAll('tool_input', leaves);
    if (masked.every((text, i) => text === leaves[i])) return argumentsJson;
    let next = 0;
    return JSON.stringify(replaceStrings(parsed, () => masked[next++] ?? ''));
  }

  /** A tool's result as the model will see it: unchanged unless a guardrail masked part of it. */
  async toolOutput(output: unknown): Promise<unknown> {
    const text = typeof output === 'string' ? output : JSON.stringify(output ?? null);
    const masked = await this.text('tool_output', text);
    return masked === text ? output : masked;
  }

  private async checkAll(stage: GuardrailStage, texts: string[]): Promise<string[]> {
    const out: string[] = [];
    const reported = new Set<string>();
    for (const text of texts) {
      const result = await this.check(stage, text);
      for (const applied of result.applied) {
        const key = `${applied.guardrail}:${applied.action}`;
        if (reported.has(key)) continue;
        reported.add(key);
        await this.report({ guardrail: applied.guardrail, stage, action: applied.action });
      }
      if (result.blocked) throw new GuardrailTripped(result.blocked.guardrail, stage);
      out.push(result.text);
    }
    return out;
  }
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, into);
}

function replaceStrings(value: unknown, next: () => string): unknown {
  if (typeof value === 'string') return next();
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, next));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, next)]));
  return value;
}
