import type { QueryClient } from '@tanstack/react-query';
import { keys } from '@/lib/client/queries';

/**
 * Reads a conversation again once its run has ended, so the stored answer replaces the live one.
 * A new conversation's first read starts when `run.started` names it; a fast run can end while
 * that read is still in flight, and a refetch joins an in-flight first read instead of starting
 * one (TanStack Query cancels only a refetch of data it already has): the view then kept the
 * history from before the answer was stored. Cancelling first makes the read start after the end.
 */
export async function reloadConversation(queryClient: QueryClient, id: string): Promise<void> {
  await queryClient.cancelQueries({ queryKey: keys.conversation(id) });
  await queryClient.refetchQueries({ queryKey: keys.conversation(id) });
}
