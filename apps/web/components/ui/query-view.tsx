import type { ReactNode } from 'react';
import { describeError } from '@/lib/client/api-error';
import { Alert, SkeletonList } from './feedback';

/** What the ladder reads of a TanStack query (a `useQuery` or `useInfiniteQuery` result fits). */
export interface QueryState<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
}

export interface QueryViewProps<T> {
  query: QueryState<T>;
  /** The loading skeleton's accessible name, e.g. `Loading agents`. */
  loading: string;
  /** Skeleton rows (3). */
  rows?: number;
  /** Shown instead of the data when it is empty; without it, emptiness is not checked. */
  empty?: ReactNode;
  /** When the data counts as empty; by default, when its `items` list has nothing in it. */
  isEmpty?: (data: T) => boolean;
  /** Replaces the error alert for the errors a card knows better; `undefined` keeps the alert. */
  renderError?: (error: unknown) => ReactNode;
  children: (data: T) => ReactNode;
}

function hasNoItems(data: unknown): boolean {
  const items = (data as { items?: unknown } | null | undefined)?.items;
  return Array.isArray(items) && items.length === 0;
}

/**
 * The pending → error → empty → data ladder every card walks: a labelled skeleton while loading,
 * the error said so a person can act on it, the empty state, else the data.
 */
export function QueryView<T>({
  query,
  loading,
  rows = 3,
  empty,
  isEmpty = hasNoItems,
  renderError,
  children,
}: QueryViewProps<T>) {
  if (query.isPending) return <SkeletonList rows={rows} label={loading} />;
  if (query.isError) return renderError?.(query.error) ?? <Alert tone="error">{describeError(query.error)}</Alert>;
  // Neither pending nor failed: the query succeeded, so `data` is set (it may be `null` by design).
  const data = query.data as T;
  if (empty !== undefined && isEmpty(data)) return empty;
  return children(data);
}
