import { describe, expect, it } from 'vitest';
import { applyRunEvent, parseRunEvent, startTurn, turnText, type LiveTurn } from '@/lib/chat/live-turn';

const RUN = '7f0c6f1e-8b7a-4c39-9a39-3f1f0f5d2a10';
const CONV = '0b6f4a3e-2d5c-4f7e-8a1b-9c0d1e2f3a4b';
const MSG = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';

function play(events: [string, unknown][]): LiveTurn {
  return events.reduce(
    (turn, [name, data], i) => {
      const event = parseRunEvent(name, JSON.stringify(data));
      if (!event) throw new Error(`rejected ${name}`);
      return applyRunEvent(turn, event, String(i + 1));
    },
    startTurn('hi', 'triage', null),
  );
}

describe('applyRunEvent', () => {
  const usage = { input_tokens: 1, output_tokens: 2, total_tokens: 3 };

  it('shows guardrail notices and replaces a masked answer with the stored text', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['guardrail.applied', { guardrail: 'pii', stage: 'input', action: 'mask' }],
      ['message.delta', { delta: 'Write to jane@example.com' }],
      ['guardrail.applied', { guardrail: 'pii', stage: 'output', action: 'mask' }],
      [
        'run.completed',
        { run_id: RUN, conversation_id: CONV, message_id: MSG, response: 'Write to [EMAIL]', agent: 'triage', usage },
      ],
    ]);
    expect(turnText(turn)).toBe('Write to [EMAIL]');
    expect(turn.parts.filter((p) => p.kind === 'guardrail')).toHaveLength(2);
  });

  it('drops the partial text of an answer a guardrail blocked, keeping the reason', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['message.delta', { delta: 'Your card 4111' }],
      [
        'run.failed',
        {
          run_id: RUN,
          code: 'guardrail_tripped',
          message: 'The pii guardrail stopped the run (output).',
          retryable: false,
          details: { guardrail: 'pii', stage: 'output' },
        },
      ],
    ]);
    expect(turnText(turn)).toBe('');
    expect(turn.error).toMatchObject({ code: 'guardrail_tripped', details: { guardrail: 'pii', stage: 'output' } });
  });

  it('shows an approval, pauses, then goes on after run.resumed', () => {
    const APPROVAL = '3c2b1a0f-9e8d-4c7b-8a69-5f4e3d2c1b0a';
    const paused = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['tool.called', { call_id: 'c1', name: 'send_notification', arguments: '{"message":"hi"}' }],
      [
        'approval.requested',
        { approval_id: APPROVAL, call_id: 'c1', name: 'send_notification', arguments: '{"message":"hi"}' },
      ],
      ['run.paused', { run_id: RUN, approvals: [APPROVAL] }],
    ]);
    expect(paused.status).toBe('paused');
    expect(paused.lastEventId).toBe('4');
    expect(paused.parts[1]).toEqual({
      kind: 'approval',
      approvalId: APPROVAL,
      callId: 'c1',
      name: 'send_notification',
      arguments: '{"message":"hi"}',
    });
    const resumed = applyRunEvent(paused, { event: 'run.resumed', data: { run_id: RUN } }, '5');
    expect(resumed.status).toBe('streaming');
    expect(resumed.lastEventId).toBe('5');
  });

  it('folds a handoff, tool call and deltas in arrival order', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['agent.updated', { from: 'triage', to: 'code_assistant' }],
      ['tool.called', { call_id: 'c1', name: 'current_time', arguments: '{}' }],
      ['tool.output', { call_id: 'c1', name: 'current_time', output: '"12:00"' }],
      ['message.delta', { delta: 'It is' }],
      ['message.delta', { delta: ' noon.' }],
      [
        'run.completed',
        {
          run_id: RUN,
          conversation_id: CONV,
          message_id: MSG,
          response: 'It is noon.',
          agent: 'code_assistant',
          usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
        },
      ],
    ]);
    expect(turn.status).toBe('completed');
    expect(turn.conversationId).toBe(CONV);
    expect(turn.lastEventId).toBe('7');
    expect(turn.parts.map((p) => p.kind)).toEqual(['handoff', 'tool', 'text']);
    expect(turn.parts[1]).toMatchObject({ output: '"12:00"' });
    expect(turnText(turn)).toBe('It is noon.');
  });

  it('ends failed with the code on run.failed', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['run.failed', { run_id: RUN, code: 'run_cancelled', message: 'cancelled', retryable: false }],
    ]);
    expect(turn.status).toBe('failed');
    expect(turn.error?.code).toBe('run_cancelled');
  });
});

describe('parseRunEvent', () => {
  it('drops unknown events and malformed data', () => {
    expect(parseRunEvent('something.else', '{}')).toBeNull();
    expect(parseRunEvent('message.delta', 'not json')).toBeNull();
    expect(parseRunEvent('message.delta', '{"text":"wrong field"}')).toBeNull();
  });
});
