import {
  GUARDRAIL_ACTIONS,
  GUARDRAIL_STAGES,
  type GuardrailAction,
  type GuardrailCatalogItem,
  type GuardrailKey,
  type GuardrailRule,
} from '@agentry/contracts';

type Entry = Omit<GuardrailCatalogItem, 'available'>;

/** The guardrails a tenant can turn on (API.md "Guardrails"), in the order the settings page shows them. */
export const CATALOG: readonly Entry[] = [
  {
    key: 'pii',
    display_name: 'Personal data',
    description:
      'E-mail addresses, phone numbers, payment cards (Luhn), IBANs (checksum) and US social security numbers.',
    stages: [...GUARDRAIL_STAGES],
    actions: [...GUARDRAIL_ACTIONS],
  },
  {
    key: 'secrets',
    display_name: 'Secrets',
    description: 'API keys, tokens and private keys of the well-known providers, by pattern.',
    stages: [...GUARDRAIL_STAGES],
    actions: [...GUARDRAIL_ACTIONS],
  },
  {
    key: 'prompt_injection',
    display_name: 'Prompt injection',
    description:
      'Instructions that try to override the agent, jailbreaks, system-prompt extraction and encoded payloads — in messages, and in what web pages, files and tool servers return.',
    stages: [...GUARDRAIL_STAGES],
    actions: [...GUARDRAIL_ACTIONS],
  },
  {
    key: 'blocked_terms',
    display_name: 'Blocked terms',
    description: "Words and phrases of the tenant's list, whole words, ignoring case and accents.",
    stages: [...GUARDRAIL_STAGES],
    actions: [...GUARDRAIL_ACTIONS],
  },
  {
    key: 'moderation',
    display_name: 'Moderation',
    description:
      "Harmful content, by the model provider's moderation endpoint. It flags a whole text, so it cannot mask.",
    stages: [...GUARDRAIL_STAGES],
    actions: ['block', 'warn'],
  },
];

export function catalogEntry(key: GuardrailKey): Entry {
  const entry = CATALOG.find((e) => e.key === key);
  if (!entry) throw new Error(`unknown guardrail ${key}`);
  return entry;
}

/** A new tenant's rules: secrets masked everywhere, injection through tool outputs reported. */
export const DEFAULT_RULES: readonly GuardrailRule[] = [
  { key: 'secrets', stages: [...GUARDRAIL_STAGES], action: 'mask', config: {} },
  { key: 'prompt_injection', stages: ['tool_output'], action: 'warn', config: {} },
];

/** The problems of a rule list the schema cannot see: an action or stage the guardrail does not offer. */
export function ruleProblems(rules: readonly GuardrailRule[]): { path: string; message: string }[] {
  return rules.flatMap((rule, index) => {
    const entry = catalogEntry(rule.key);
    const problems: { path: string; message: string }[] = [];
    if (!entry.actions.includes(rule.action as GuardrailAction))
      problems.push({ path: `rules.${index}.action`, message: `${rule.key} cannot ${rule.action}.` });
    rule.stages.forEach((stage, s) => {
      if (!entry.stages.includes(stage))
        problems.push({ path: `rules.${index}.stages.${s}`, message: `${rule.key} does not run at ${stage}.` });
    });
    return problems;
  });
}
