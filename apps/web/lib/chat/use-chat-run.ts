'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageAttachment } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { readSse } from '@/lib/client/sse-reader';
import { applyRunEvent, isTerminal, parseRunEvent, startTurn, type LiveTurn } from './live-turn';
import { clearActiveRun, loadActiveRun, saveActiveRun } from './run-storage';

const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

interface Options {
  conversationId: string | null;
  /** Called once the run has a conversation (a new chat gets its id from `run.started`). */
  onConversation?: (conversationId: string) => void;
  /** Called when the run pauses for approval. */
  onPaused?: () => void;
  /** Called when the run ends, before the live turn is dropped: reload the history here. */
  onFinished?: (turn: LiveTurn) => Promise<void> | void;
  /** Called when the conversation gets its automatic title (`conversation.titled`). */
  onTitled?: (conversationId: string, title: string) => void;
}

/**
 * Drives one chat run at a time: starts it (POST /chat/stream), follows its events, resumes with
 * `Last-Event-ID` after a dropped connection or a page reload, and cancels it on demand.
 */
export function useChatRun({ conversationId, onConversation, onPaused, onFinished, onTitled }: Options) {
  const [turn, setTurn] = useState<LiveTurn | null>(null);
  const turnRef = useRef<LiveTurn | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const callbacks = useRef({ onConversation, onPaused, onFinished, onTitled });
  callbacks.current = { onConversation, onPaused, onFinished, onTitled };

  const update = useCallback((next: LiveTurn) => {
    const hadConversation = turnRef.current?.conversationId;
    turnRef.current = next;
    setTurn(next);
    if (!isTerminal(next)) saveActiveRun(next);
    if (next.conversationId && next.conversationId !== hadConversation)
      callbacks.current.onConversation?.(next.conversationId);
  }, []);

  const finish = useCallback(async (final: LiveTurn) => {
    clearActiveRun(final.runId);
    await callbacks.current.onFinished?.(final);
    // A completed answer now lives in the history; a failed one stays visible with its error.
    if (turnRef.current === final) {
      const next = final.status === 'completed' ? null : { ...final, showUser: false };
      turnRef.current = next;
      setTurn(next);
    }
  }, []);

  /**
   * Reads a stream of run events into the turn; true when it reached a terminal event, 'paused'
   * when the run paused for approval (the response ends; the run goes on once decided).
   */
  const consume = useCallback(
    async (body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<boolean | 'paused'> => {
      for await (const message of readSse(body, signal)) {
        const event = parseRunEvent(message.event, message.data);
        const current = turnRef.current;
        if (!event || !current) continue;
        if (event.event === 'conversation.titled')
          callbacks.current.onTitled?.(event.data.conversation_id, event.data.title);
        const next = applyRunEvent(current, event, message.id);
        update(next);
        if (isTerminal(next)) {
          await finish(next);
          return true;
        }
        if (next.status === 'paused') {
          callbacks.current.onPaused?.();
          return 'paused';
        }
      }
      return false;
    },
    [update, finish],
  );

  /** Follows the run from its last seen event, retrying with backoff while the connection fails. */
  const follow = useCallback(
    async (signal: AbortSignal) => {
      for (let attempt = 0; attempt <= RECONNECT_DELAYS_MS.length; attempt++) {
        const current = turnRef.current;
        let paused = false;
        if (!current?.runId || signal.aborted) return;
        try {
          const headers: Record<string, string> = { accept: 'text/event-stream' };
          if (current.lastEventId) headers['last-event-id'] = current.lastEventId;
          const res = await api.stream('GET', '/chat/runs/:run_id/events', {
            params: { run_id: current.runId },
            headers,
            signal,
          });
          const ended = res.body ? await consume(res.body, signal) : false;
          if (ended === true) return;
          // Paused for approval: wait on the run's events for what follows the decision.
          paused = ended === 'paused';
        } catch (error) {
          if (signal.aborted) return;
          const status = (error as { status?: number }).status;
          if (status === 404 || status === 401 || status === 403) break;
        }
        if (signal.aborted) return;
        if (paused) {
          attempt = -1;
          continue;
        }
        update({ ...turnRef.current!, status: 'reconnecting' });
        await new Promise((r) => setTimeout(r, RECONNECT_DELAYS_MS[attempt] ?? 8000));
      }
      const last = turnRef.current;
      if (last && !isTerminal(last)) {
        const failed: LiveTurn = {
          ...last,
          status: 'failed',
          error: {
            code: 'connection_lost',
            message: 'Lost the connection to this answer. Reload to see it once it finishes.',
            retryable: true,
          },
        };
        update(failed);
        await finish(failed);
      }
    },
    [consume, update, finish],
  );

  /**
   * Starts a run. `branch.edit_of`: `message` is a new version of that user message;
   * `branch.regenerate`: a new answer to the last question (`message` is only shown, not sent).
   */
  const send = useCallback(
    async (
      message: string,
      agent: string,
      branch: { edit_of?: string; regenerate?: boolean } = {},
      attachments: MessageAttachment[] = [],
    ) => {
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      const initial = { ...startTurn(message, agent, conversationId, attachments), showUser: !branch.regenerate };
      turnRef.current = initial;
      setTurn(initial);
      let res: Response;
      try {
        res = await api.stream('POST', '/chat/stream', {
          body: {
            ...(branch.regenerate ? { regenerate: true } : { message }),
            ...(branch.edit_of ? { edit_of: branch.edit_of } : {}),
            ...(attachments.length ? { attachments: attachments.map((a) => a.file_id) } : {}),
            agent,
            ...(conversationId ? { conversation_id: conversationId } : {}),
          },
          headers: { accept: 'text/event-stream' },
          signal: controller.signal,
        });
      } catch (error) {
        turnRef.current = null;
        setTurn(null);
        throw error;
      }
      const runId = res.headers.get('x-run-id');
      if (runId) update({ ...turnRef.current!, runId });
      try {
        if (res.body && (await consume(res.body, controller.signal)) === true) return;
      } catch {
        // The connection dropped mid-answer: fall through to resuming.
      }
      if (!controller.signal.aborted) await follow(controller.signal);
    },
    [conversationId, consume, follow, update],
  );

  const stop = useCallback(async () => {
    const runId = turnRef.current?.runId;
    if (!runId) {
      abortRef.current?.abort();
      return;
    }
    // The run ends with `run.failed` (run_cancelled), which arrives on the open stream.
    await api.post('/chat/runs/:run_id/cancel', { params: { run_id: runId } });
  }, []);

  /** Follows a run of this conversation from its start (a paused run found after a reload or elsewhere). */
  const attach = useCallback(
    (runId: string) => {
      if (turnRef.current?.runId === runId) return;
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      const attached: LiveTurn = {
        ...startTurn('', 'triage', conversationId),
        showUser: false,
        runId,
        status: 'reconnecting',
      };
      turnRef.current = attached;
      setTurn(attached);
      void follow(controller.signal);
    },
    [conversationId, follow],
  );

  // After a reload: pick up this conversation's run (or a run whose conversation was not yet known).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per conversation page
  useEffect(() => {
    const stored = loadActiveRun();
    if (!stored || isTerminal(stored)) return;
    if (stored.conversationId && conversationId && stored.conversationId !== conversationId) return;
    if (!conversationId && stored.conversationId) return;
    const controller = new AbortController();
    abortRef.current = controller;
    const resumed: LiveTurn = {
      ...stored,
      showUser: !conversationId,
      // A run paused for approval stays paused until decided: its card shows again.
      status: stored.status === 'paused' ? 'paused' : 'reconnecting',
    };
    turnRef.current = resumed;
    setTurn(resumed);
    void follow(controller.signal);
    return () => controller.abort();
  }, []);

  // Leaving the page stops listening; the run itself goes on in the API.
  useEffect(() => () => abortRef.current?.abort(), []);

  const busy = turn !== null && !isTerminal(turn);
  return { turn, busy, send, stop, attach };
}
