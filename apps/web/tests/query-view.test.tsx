import { describe, expect, it } from 'vitest';
import type { ReactElement } from 'react';
import { cleanup, render, screen } from '@testing-library/react';
import { ApiError } from '@/lib/client/api-error';
import { EmptyState } from '@/components/ui/feedback';
import { type QueryState, QueryView } from '@/components/ui/query-view';

type Agents = { items: { name: string }[] };

const pending: QueryState<Agents> = { isPending: true, isError: false, error: null, data: undefined };
const failed = (error: unknown): QueryState<Agents> => ({ isPending: false, isError: true, error, data: undefined });
const loaded = <T,>(data: T): QueryState<T> => ({ isPending: false, isError: false, error: null, data });
const rateLimited = new ApiError(
  429,
  { type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'rate_limited' },
  7,
);

function Agents({ query, empty = true }: { query: QueryState<Agents>; empty?: boolean }) {
  return (
    <QueryView query={query} loading="Loading agents" empty={empty ? <EmptyState title="No agents" /> : undefined}>
      {({ items }) => (
        <ul aria-label="Agents">
          {items.map((a) => (
            <li key={a.name}>{a.name}</li>
          ))}
        </ul>
      )}
    </QueryView>
  );
}

describe('QueryView', () => {
  it('while pending: a skeleton named for what loads, and nothing else', () => {
    render(<Agents query={pending} />);
    expect(screen.getByRole('status', { name: 'Loading agents' })).toBeTruthy();
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryByText('No agents')).toBeNull();
  });

  it('on error: an alert saying what to do, from the problem details', () => {
    render(<Agents query={failed(rateLimited)} />);
    expect(screen.getByRole('alert').textContent).toBe('Too many requests. Try again in 7s.');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('an empty items list shows the empty state; a full one the data', () => {
    render(<Agents query={loaded({ items: [] })} />);
    expect(screen.getByText('No agents')).toBeTruthy();
    expect(screen.queryByRole('list')).toBeNull();
    cleanupAndRender(<Agents query={loaded({ items: [{ name: 'triage' }, { name: 'research' }] })} />);
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['triage', 'research']);
    expect(screen.queryByText('No agents')).toBeNull();
  });

  it('without an empty state, emptiness is not checked: the data renders as it is', () => {
    render(<Agents query={loaded({ items: [] })} empty={false} />);
    expect(screen.getByRole('list', { name: 'Agents' }).children).toHaveLength(0);
  });

  it('a custom emptiness test and error view replace the defaults; undefined keeps the alert', () => {
    const view = (query: QueryState<number | null>, known: boolean) => (
      <QueryView
        query={query}
        loading="Loading count"
        isEmpty={(n) => n === null}
        empty={<p>Nothing counted</p>}
        renderError={(error) => (known && error instanceof ApiError ? <p>Known failure</p> : undefined)}
      >
        {(n) => <p>Count {n}</p>}
      </QueryView>
    );
    render(view(loaded(null), true));
    expect(screen.getByText('Nothing counted')).toBeTruthy();
    cleanupAndRender(view(loaded(0), true));
    expect(screen.getByText('Count 0')).toBeTruthy();
    cleanupAndRender(view({ isPending: false, isError: true, error: rateLimited, data: undefined }, true));
    expect(screen.getByText('Known failure')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    cleanupAndRender(
      view({ isPending: false, isError: true, error: new Error('Disk on fire'), data: undefined }, false),
    );
    expect(screen.getByRole('alert').textContent).toBe('Disk on fire');
  });
});

function cleanupAndRender(ui: ReactElement) {
  cleanup();
  render(ui);
}
