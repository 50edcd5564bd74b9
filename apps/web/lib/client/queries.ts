'use client';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { scopeSatisfies, type Scope } from '@agentry/contracts';
import type { MeResponse } from '@agentry/contracts';
import { api } from './api';

/** Query keys in one place so invalidations cannot drift from the queries. */
export const keys = {
  me: ['me'] as const,
  agents: ['agents'] as const,
  tools: ['tools'] as const,
  conversations: (q: string) => ['conversations', q] as const,
  conversationsAll: ['conversations'] as const,
  conversation: (id: string) => ['conversation', id] as const,
  approvalsAll: ['approvals'] as const,
  approvals: (conversationId: string | null) => ['approvals', conversationId ?? 'all'] as const,
};

/** The caller's pending tool-call approvals (of one conversation, or all of them for the header badge). */
export function usePendingApprovals(conversationId: string | null, options: { refetchIntervalMs?: number } = {}) {
  return useQuery({
    queryKey: keys.approvals(conversationId),
    queryFn: () =>
      api.get('/chat/approvals', {
        query: { status: 'pending', ...(conversationId ? { conversation_id: conversationId } : {}) },
      }),
    refetchInterval: options.refetchIntervalMs,
  });
}

export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: () => api.get('/auth/me'), staleTime: 60_000 });
}

export function useAgents() {
  return useQuery({
    queryKey: keys.agents,
    queryFn: () => api.get('/agents'),
    staleTime: 5 * 60_000,
  });
}

export function useTools() {
  return useQuery({ queryKey: keys.tools, queryFn: () => api.get('/tools'), staleTime: 5 * 60_000 });
}

export function useConversation(id: string | null) {
  return useQuery({
    queryKey: keys.conversation(id ?? 'none'),
    queryFn: () => api.get('/conversations/:id', { params: { id: id ?? '' } }),
    enabled: Boolean(id),
  });
}

/** The sidebar list: newest first, a page at a time by cursor, optionally filtered by `q`. */
export function useConversationList(q: string) {
  return useInfiniteQuery({
    queryKey: keys.conversations(q),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get('/conversations', { query: { limit: 20, cursor: pageParam ?? undefined, q: q || undefined }, signal }),
    getNextPageParam: (last) => last.next_cursor,
  });
}

export function hasScope(me: MeResponse | undefined, scope: Scope): boolean {
  return Boolean(me && scopeSatisfies(me.scopes, scope));
}
