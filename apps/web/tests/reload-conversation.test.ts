import { describe, expect, it } from 'vitest';
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { keys } from '@/lib/client/queries';
import { reloadConversation } from '@/lib/chat/reload-conversation';

describe('reloadConversation', () => {
  it('reads again after a run that ended while the first read was in flight', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    // The server's state: the question only, then (once the run has ended) the answer too.
    let stored = ['question'];
    let releaseFirst: () => void = () => {};
    let reads = 0;
    const observer = new QueryObserver(client, {
      queryKey: keys.conversation('c1'),
      queryFn: async () => {
        reads += 1;
        const seen = [...stored];
        // The first read is slow: the run ends before it returns.
        if (reads === 1) await new Promise<void>((r) => (releaseFirst = r));
        return seen;
      },
    });
    const unsubscribe = observer.subscribe(() => {});
    await Promise.resolve();
    expect(reads).toBe(1);

    stored = ['question', 'answer'];
    const reloaded = reloadConversation(client, 'c1');
    releaseFirst();
    await reloaded;
    expect(client.getQueryData(keys.conversation('c1'))).toEqual(['question', 'answer']);
    unsubscribe();
  });
});
