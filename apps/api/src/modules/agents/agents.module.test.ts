import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/harness.js';
import type { PlatformContext } from '../../platform/context.js';
import { createAgentsModule } from './agents.module.js';
import { AGENT_SPECS } from './specs/index.js';
import { checkSpecs } from './specs/check-specs.js';

const moduleFor = () =>
  createAgentsModule({ config: testConfig(), logger: pino({ level: 'silent' }) } as unknown as PlatformContext, {
    conversations: { agentStats: async () => ({ conversations: 0, messages: 0, last_used_at: null }) as never },
  });

describe('agents module: the SDK agents on first use', () => {
  it('builds them once for concurrent first callers (two first chats share one build)', async () => {
    const { service } = moduleFor();
    const [a, b, list] = await Promise.all([
      service.agentToRun('triage'),
      service.agentToRun('triage'),
      service.list(),
    ]);
    expect(a).toBe(b);
    expect(await service.agentToRun('triage')).toBe(a);
    expect(list.map((s) => s.name)).toEqual(AGENT_SPECS.map((s) => s.name));
    expect(a.handoffs).toHaveLength(2);
  });

  it('refuses an unknown agent before building anything, and answers guardrails from the specs', async () => {
    const { service } = moduleFor();
    await expect(service.agentToRun('nobody')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(service.tools('nobody')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(service.guardrailsOf('nobody')).toEqual([]);
  });

  it('checks the specs at start without the SDK: names, duplicates, handoff targets', () => {
    expect(() => checkSpecs(AGENT_SPECS)).not.toThrow();
    expect(() => checkSpecs([{ ...AGENT_SPECS[0]!, name: 'Bad-Name' }])).toThrow('must be snake_case');
    expect(() => checkSpecs([AGENT_SPECS[1]!, AGENT_SPECS[1]!])).toThrow('duplicate agent');
    expect(() => checkSpecs([{ ...AGENT_SPECS[0]!, handoffs: ['nobody'] }])).toThrow('unknown agent nobody');
  });
});
