import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ToolInfo } from '@agentry/contracts';
import { keys } from '@/lib/client/queries';

vi.mock('next/link', () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => (
    <a href={href} {...rest}>
      {children}
    </a>
  ),
}));

const { AgentsCatalog } = await import('@/components/agents/agents-catalog');

const tool = (name: string, requires_approval: boolean): ToolInfo => ({
  name,
  description: `The ${name} tool.`,
  core: false,
  agents: ['triage'],
  capabilities: [],
  parameters: { type: 'object' },
  requires_approval,
});

describe('Agents and tools catalog', () => {
  it('marks the tools whose calls wait for a person with a "needs approval" chip', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(keys.agents, { items: [] });
    client.setQueryData(keys.tools, { items: [tool('send_notification', true), tool('calculator', false)] });
    render(
      <QueryClientProvider client={client}>
        <AgentsCatalog />
      </QueryClientProvider>,
    );
    const item = (name: string) => screen.getByRole('heading', { name }).closest('li') as HTMLElement;
    expect(within(item('send_notification')).getByText('needs approval')).toBeTruthy();
    expect(within(item('calculator')).queryByText('needs approval')).toBeNull();
    expect(screen.getAllByText('needs approval')).toHaveLength(1);
  });
});
