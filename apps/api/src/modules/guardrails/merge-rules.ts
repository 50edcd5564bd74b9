import { GUARDRAIL_STAGES, type GuardrailAction, type GuardrailRule } from '@agentry/contracts';

const STRICTNESS: Record<GuardrailAction, number> = { warn: 0, mask: 1, block: 2 };

/**
 * The rules of a run: the tenant's merged with the defaults of the agent it starts with. Per
 * guardrail, the stages add up and the stricter action wins (block > mask > warn), and blocked terms
 * add up — so an agent's defaults can only make a tenant's rules stricter, never looser. Rules keep
 * the tenant's order, the agent's extra ones follow.
 */
export function mergeRules(tenant: readonly GuardrailRule[], agent: readonly GuardrailRule[]): GuardrailRule[] {
  const merged = tenant.map((rule) => ({ ...rule, stages: [...rule.stages], config: { ...rule.config } }));
  for (const extra of agent) {
    const rule = merged.find((r) => r.key === extra.key);
    if (!rule) {
      merged.push({ ...extra, stages: [...extra.stages], config: { ...extra.config } });
      continue;
    }
    rule.stages = GUARDRAIL_STAGES.filter((s) => rule.stages.includes(s) || extra.stages.includes(s));
    if (STRICTNESS[extra.action] > STRICTNESS[rule.action]) rule.action = extra.action;
    if (rule.key === 'blocked_terms') rule.config = { terms: [...new Set([...termsOf(rule), ...termsOf(extra)])] };
  }
  return merged;
}

function termsOf(rule: GuardrailRule): string[] {
  return (rule.config.terms as string[] | undefined) ?? [];
}
