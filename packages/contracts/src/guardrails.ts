import { z } from 'zod';

/** API.md "Guardrails": the checks, where in a run they apply, and what they do. */
export const GUARDRAIL_KEYS = ['pii', 'secrets', 'prompt_injection', 'blocked_terms', 'moderation'] as const;
export const GUARDRAIL_STAGES = ['input', 'output', 'tool_input', 'tool_output'] as const;
export const GUARDRAIL_ACTIONS = ['block', 'mask', 'warn'] as const;

export const GuardrailKey = z.enum(GUARDRAIL_KEYS);
export const GuardrailStage = z.enum(GUARDRAIL_STAGES);
export const GuardrailAction = z.enum(GUARDRAIL_ACTIONS);
export type GuardrailKey = z.infer<typeof GuardrailKey>;
export type GuardrailStage = z.infer<typeof GuardrailStage>;
export type GuardrailAction = z.infer<typeof GuardrailAction>;

const noNul = (s: string) => !s.includes('\u0000');

export const GuardrailCatalogItem = z.object({
  key: GuardrailKey,
  display_name: z.string(),
  description: z.string(),
  stages: z.array(GuardrailStage),
  actions: z.array(GuardrailAction),
  available: z.boolean(),
});
export const GuardrailCatalog = z.object({ items: z.array(GuardrailCatalogItem) });
export type GuardrailCatalogItem = z.infer<typeof GuardrailCatalogItem>;

/** `blocked_terms` takes its terms; the other guardrails take no configuration. */
export const BlockedTermsConfig = z
  .object({
    terms: z.array(z.string().trim().min(1).max(100).refine(noNul, 'must not contain NUL characters')).max(500),
  })
  .strict();

export const GuardrailRule = z
  .object({
    key: GuardrailKey,
    stages: z.array(GuardrailStage).min(1).max(4),
    action: GuardrailAction,
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (new Set(rule.stages).size !== rule.stages.length)
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'Each stage may appear once.' });
    const config = rule.key === 'blocked_terms' ? BlockedTermsConfig : z.object({}).strict();
    const parsed = config.safeParse(rule.config);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: ['config', ...issue.path.map(String)], message: issue.message });
  });
export type GuardrailRule = z.infer<typeof GuardrailRule>;

export const GuardrailRules = z
  .object({ rules: z.array(GuardrailRule).max(GUARDRAIL_KEYS.length) })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.rules.forEach((rule, index) => {
      if (seen.has(rule.key))
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'key'], message: 'One rule per guardrail.' });
      seen.add(rule.key);
    });
  });
export type GuardrailRules = z.infer<typeof GuardrailRules>;

/** An addition to API.md for the settings page's test box: what a sample text would trigger. */
export const GuardrailTestRequest = z
  .object({
    text: z.string().min(1).max(32_000).refine(noNul, 'must not contain NUL characters'),
    stage: GuardrailStage.default('input'),
  })
  .strict();
export const GuardrailTestResponse = z.object({
  stage: GuardrailStage,
  /** The text as the model or tool would see it after masking. */
  text: z.string(),
  blocked: z.boolean(),
  applied: z.array(
    z.object({
      guardrail: GuardrailKey,
      action: GuardrailAction,
      findings: z.array(z.object({ kind: z.string(), start: z.number().int(), end: z.number().int() })),
    }),
  ),
});
export type GuardrailTestResponse = z.infer<typeof GuardrailTestResponse>;

/** The `guardrail.applied` stream event. */
export const GuardrailAppliedEvent = z.object({
  guardrail: GuardrailKey,
  stage: GuardrailStage,
  action: GuardrailAction,
});
