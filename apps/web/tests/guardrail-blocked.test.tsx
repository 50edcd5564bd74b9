import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { LiveAnswer } from '@/components/chat/message-bubbles';
import { applyRunEvent, parseRunEvent, startTurn, type LiveTurn } from '@/lib/chat/live-turn';

const RUN = '7f0c6f1e-8b7a-4c39-9a39-3f1f0f5d2a10';
const CONV = '0b6f4a3e-2d5c-4f7e-8a1b-9c0d1e2f3a4b';

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

const failed = (data: object) => [
  'run.failed',
  { run_id: RUN, message: 'The pii guardrail stopped the run (output).', retryable: false, ...data },
];

describe('a run blocked by a guardrail in the chat', () => {
  it('replaces the streamed text with a notice naming the guardrail and the stage', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['message.delta', { delta: 'Your card 4111 1111' }],
      failed({ code: 'guardrail_tripped', details: { guardrail: 'pii', stage: 'output' } }) as [string, unknown],
    ]);
    render(<LiveAnswer turn={turn} agentName={(n) => n} />);
    const notice = screen.getByRole('alert');
    expect(notice.textContent).toContain('Blocked by guardrail');
    expect(notice.textContent).toContain('The Personal data guardrail stopped this run when checking the answer.');
    expect(notice.textContent).toContain('The answer was withdrawn and not saved.');
    expect(screen.getByTestId('live-answer').textContent).not.toContain('4111');
  });

  it('says where a block at a tool stage happened, and keeps what streamed before it', () => {
    const turn = play([
      ['run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
      ['message.delta', { delta: 'Let me look that up.' }],
      ['tool.called', { call_id: 'c1', name: 'web_search', arguments: '{"query":"x"}' }],
      failed({ code: 'guardrail_tripped', details: { guardrail: 'prompt_injection', stage: 'tool_output' } }) as [
        string,
        unknown,
      ],
    ]);
    render(<LiveAnswer turn={turn} agentName={(n) => n} />);
    expect(screen.getByRole('alert').textContent).toContain(
      "The Prompt injection guardrail stopped this run when checking a tool's result. The tool's result was not passed to the assistant.",
    );
    expect(screen.getByTestId('live-answer').textContent).toContain('Let me look that up.');
    expect(screen.getByTestId('tool-call')).toBeTruthy();
  });

  it('a block without details still says a guardrail stopped it; other failures keep their message', () => {
    const blocked = play([failed({ code: 'guardrail_tripped' }) as [string, unknown]]);
    const { unmount } = render(<LiveAnswer turn={blocked} agentName={(n) => n} />);
    expect(screen.getByRole('alert').textContent).toContain(
      'Blocked by guardrailA guardrail of this workspace stopped this run.',
    );
    unmount();
    const other = play([failed({ code: 'model_error', message: 'The model failed.' }) as [string, unknown]]);
    render(<LiveAnswer turn={other} agentName={(n) => n} />);
    expect(screen.getByRole('alert').textContent).toContain('The model failed.');
    expect(screen.queryByTestId('guardrail-blocked')).toBeNull();
  });
});
