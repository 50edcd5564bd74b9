import type { AgentSpec } from './agent-spec.js';

/**
 * What the registry refuses in a set of specs: a name that is not snake_case, a duplicate, a
 * handoff to an agent that does not exist. Plain data checks (no SDK): the API runs them at start,
 * before the SDK agents are built on first use, so a broken spec still fails the start.
 */
export function checkSpecs(specs: readonly AgentSpec[]): void {
  const names = new Set<string>();
  for (const spec of specs) {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(spec.name)) throw new Error(`agent name ${spec.name} must be snake_case`);
    if (names.has(spec.name)) throw new Error(`duplicate agent ${spec.name}`);
    names.add(spec.name);
  }
  for (const spec of specs)
    for (const target of spec.handoffs)
      if (!names.has(target)) throw new Error(`agent ${spec.name} hands off to unknown agent ${target}`);
}
