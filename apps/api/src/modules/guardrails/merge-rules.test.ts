import { describe, expect, it } from 'vitest';
import { mergeRules } from './merge-rules.js';

describe("mergeRules: a tenant's rules with an agent's defaults", () => {
  it('adds up stages, keeps the stricter action and unions blocked terms', () => {
    expect(
      mergeRules(
        [
          { key: 'secrets', stages: ['input', 'tool_output'], action: 'mask', config: {} },
          { key: 'blocked_terms', stages: ['output'], action: 'block', config: { terms: ['zeus'] } },
        ],
        [
          { key: 'secrets', stages: ['output'], action: 'block', config: {} },
          { key: 'blocked_terms', stages: ['input'], action: 'warn', config: { terms: ['hera', 'zeus'] } },
          { key: 'pii', stages: ['output'], action: 'mask', config: {} },
        ],
      ),
    ).toEqual([
      { key: 'secrets', stages: ['input', 'output', 'tool_output'], action: 'block', config: {} },
      { key: 'blocked_terms', stages: ['input', 'output'], action: 'block', config: { terms: ['zeus', 'hera'] } },
      { key: 'pii', stages: ['output'], action: 'mask', config: {} },
    ]);
  });

  it('never loosens the tenant: a weaker agent action is ignored', () => {
    expect(
      mergeRules(
        [{ key: 'pii', stages: ['input'], action: 'block', config: {} }],
        [{ key: 'pii', stages: ['input'], action: 'warn', config: {} }],
      ),
    ).toEqual([{ key: 'pii', stages: ['input'], action: 'block', config: {} }]);
  });
});
