import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Composer } from '@/components/chat/composer';

const agents = [
  { name: 'triage', display_name: 'Triage', description: '', model: 'offline', tools: [], handoffs: [] },
  {
    name: 'code_assistant',
    display_name: 'Code Assistant',
    description: '',
    model: 'offline',
    tools: [],
    handoffs: [],
  },
];

function setup(props: Partial<Parameters<typeof Composer>[0]> = {}) {
  const onSend = vi.fn(async () => true);
  const onStop = vi.fn();
  render(
    <Composer
      agents={agents}
      agent="triage"
      onAgentChange={() => undefined}
      busy={false}
      retryIn={0}
      onSend={onSend}
      onStop={onStop}
      {...props}
    />,
  );
  return { onSend, onStop };
}

describe('Composer', () => {
  it('sends on Enter and keeps Shift+Enter for new lines', async () => {
    const { onSend } = setup();
    const box = screen.getByLabelText('Message');
    await userEvent.type(box, 'first line{Shift>}{Enter}{/Shift}second');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.keyboard('{Enter}');
    expect(onSend).toHaveBeenCalledWith('first line\nsecond', []);
    expect(box).toHaveProperty('value', '');
  });

  it('offers Stop instead of Send while an answer streams', async () => {
    const { onStop } = setup({ busy: true });
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: /Stop/ }));
    expect(onStop).toHaveBeenCalled();
  });

  it('counts down instead of sending while rate limited', () => {
    setup({ retryIn: 7 });
    expect(screen.getByRole('button', { name: 'Wait 7s' })).toHaveProperty('disabled', true);
    expect(screen.getByText(/try again in 7s/)).toBeTruthy();
  });

  it('lists the agents in a labelled picker', () => {
    setup();
    expect(screen.getByLabelText('Agent').querySelectorAll('option')).toHaveLength(2);
  });
});
