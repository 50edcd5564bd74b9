'use client';
import { useEffect, useState } from 'react';
import { BillingEvent } from '@agentry/contracts';
import { api } from './api';
import { ApiError } from './api-error';
import { readSse } from './sse-reader';

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'disabled' | 'error';

/** Follows GET /billing/stream, reconnecting with Last-Event-ID; `disabled` when billing is off (503). */
export function useBillingStream(onEvent?: (event: BillingEvent) => void) {
  const [events, setEvents] = useState<BillingEvent[]>([]);
  const [state, setState] = useState<FeedState>('connecting');

  // biome-ignore lint/correctness/useExhaustiveDependencies: the callback is read at event time; reconnecting on its identity would drop the stream
  useEffect(() => {
    const controller = new AbortController();
    let lastId: string | null = null;
    const run = async () => {
      for (let attempt = 0; !controller.signal.aborted; attempt++) {
        try {
          const headers: Record<string, string> = { accept: 'text/event-stream' };
          if (lastId) headers['last-event-id'] = lastId;
          const res = await api.stream('GET', '/billing/stream', { headers, signal: controller.signal });
          setState('live');
          attempt = 0;
          if (!res.body) break;
          for await (const message of readSse(res.body, controller.signal)) {
            if (message.id) lastId = message.id;
            if (message.event !== 'billing.event') continue;
            try {
              const parsed = BillingEvent.safeParse(JSON.parse(message.data));
              if (parsed.success) {
                setEvents((all) => [parsed.data, ...all].slice(0, 50));
                onEvent?.(parsed.data);
              }
            } catch {
              // A malformed event is skipped, the feed goes on.
            }
          }
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.code === 'billing_disabled') return setState('disabled');
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429)
            return setState('error');
        }
        if (controller.signal.aborted) return;
        setState('reconnecting');
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    };
    void run();
    return () => controller.abort();
  }, []);

  return { events, state };
}
