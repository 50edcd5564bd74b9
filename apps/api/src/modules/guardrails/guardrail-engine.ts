import type { GuardrailAction, GuardrailKey, GuardrailRule, GuardrailStage } from '@agentry/contracts';
import type { Metrics } from '../../platform/metrics.js';
import { detectBlockedTerms } from './detectors/blocked-terms.js';
import { type Finding, maskFindings } from './detectors/finding.js';
import type { InjectionJudge } from './detectors/injection-judge.js';
import type { Moderation } from './detectors/moderation.js';
import { detectPii } from './detectors/pii.js';
import { detectPromptInjection } from './detectors/prompt-injection.js';
import { detectSecrets } from './detectors/secrets.js';

/** What one guardrail did to one text. */
export interface AppliedGuardrail {
  guardrail: GuardrailKey;
  stage: GuardrailStage;
  action: GuardrailAction;
  findings: Finding[];
}

/** The result of a stage's check: the text to pass on (masked), what applied, and whether the run must stop. */
export interface GuardrailCheck {
  text: string;
  applied: AppliedGuardrail[];
  /** The first blocking guardrail, when one tripped. */
  blocked: AppliedGuardrail | null;
}

/**
 * Runs a tenant's rules for one stage over one text. Rules run in a fixed order so a masked text is
 * what the next detector scans: blocks are decided on the original text, masks compose, warns only
 * report. Each detector's latency and every action taken are metered.
 */
export class GuardrailEngine {
  private readonly actions;
  private readonly latency;

  constructor(
    private readonly deps: {
      moderation: Moderation;
      metrics: Metrics;
      /** The optional model judge for prompt injection (GUARDRAILS_INJECTION_JUDGE=model). */
      injectionJudge?: InjectionJudge;
    },
  ) {
    this.actions = deps.metrics.counter(
      'guardrail_actions_total',
      'Guardrail actions taken, by guardrail, stage and action',
      ['key', 'stage', 'action'],
    );
    this.latency = deps.metrics.histogram(
      'guardrail_detector_duration_seconds',
      'Time a guardrail detector took on one text',
      ['key'],
      [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2],
    );
  }

  get moderationAvailable(): boolean {
    return this.deps.moderation.available;
  }

  async check(rules: readonly GuardrailRule[], stage: GuardrailStage, text: string): Promise<GuardrailCheck> {
    let current = text;
    const applied: AppliedGuardrail[] = [];
    for (const rule of rules) {
      if (!rule.stages.includes(stage)) continue;
      const findings = await this.detect(rule, current);
      if (findings.length === 0) continue;
      const result = { guardrail: rule.key, stage, action: rule.action, findings };
      applied.push(result);
      this.actions.inc({ key: rule.key, stage, action: rule.action });
      // A blocked text comes back with what tripped masked: that is all the transcript keeps of it.
      if (rule.action === 'block') return { text: maskFindings(current, findings), applied, blocked: result };
      if (rule.action === 'mask') current = maskFindings(current, findings);
    }
    return { text: current, applied, blocked: null };
  }

  private async detect(rule: GuardrailRule, text: string): Promise<Finding[]> {
    const stop = this.latency.startTimer({ key: rule.key });
    try {
      switch (rule.key) {
        case 'pii':
          return detectPii(text);
        case 'secrets':
          return await detectSecrets(text);
        case 'prompt_injection': {
          // The local classifier is precise: what it finds needs no second opinion. The judge is asked
          // only about what it passed, where the paraphrases it misses are.
          const local = detectPromptInjection(text);
          if (local.length > 0 || !this.deps.injectionJudge) return local;
          return await this.deps.injectionJudge.detect(text);
        }
        case 'blocked_terms':
          return detectBlockedTerms(text, (rule.config.terms as string[] | undefined) ?? []);
        case 'moderation':
          return await this.deps.moderation.detect(text);
      }
    } finally {
      stop();
    }
  }
}
