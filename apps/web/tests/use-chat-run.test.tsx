import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderHook, waitFor, act } from '@testing-library/react';
import { useChatRun } from '@/lib/chat/use-chat-run';
import { saveActiveRun, loadActiveRun } from '@/lib/chat/run-storage';
import { startTurn } from '@/lib/chat/live-turn';

const RUN = '7f0c6f1e-8b7a-4c39-9a39-3f1f0f5d2a10';
const CONV = '0b6f4a3e-2d5c-4f7e-8a1b-9c0d1e2f3a4b';
const MSG = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';

function sse(events: [number, string, object][], headers: Record<string, string> = {}) {
  const text = events
    .map(([id, event, data]) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream', ...headers } });
}
const completed = (id: number) =>
  [
    id,
    'run.completed',
    {
      run_id: RUN,
      conversation_id: CONV,
      message_id: MSG,
      response: 'Hello world',
      agent: 'triage',
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    },
  ] as [number, string, object];

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('useChatRun', () => {
  it('streams a new run, reports its conversation and hands the finished turn over', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      sse(
        [
          [1, 'run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
          [2, 'message.delta', { delta: 'Hello' }],
          [3, 'message.delta', { delta: ' world' }],
          completed(4),
        ],
        { 'x-run-id': RUN },
      ),
    );
    vi.stubGlobal('fetch', fetchMock);
    const onConversation = vi.fn();
    const onFinished = vi.fn();
    const { result } = renderHook(() => useChatRun({ conversationId: null, onConversation, onFinished }));
    await act(() => result.current.send('hi', 'triage'));
    expect(onConversation).toHaveBeenCalledWith(CONV);
    expect(onFinished.mock.calls[0]![0]).toMatchObject({
      status: 'completed',
      parts: [{ kind: 'text', text: 'Hello world' }],
    });
    expect(result.current.turn).toBeNull();
    expect(loadActiveRun()).toBeNull();
    expect(fetchMock.mock.calls[0]![0]).toBe('/bff/api/chat/stream');
  });

  it('reports the conversation’s automatic title as it arrives, before the run ends', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        sse(
          [
            [1, 'run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }],
            [2, 'message.delta', { delta: 'Hello world' }],
            [3, 'conversation.titled', { conversation_id: CONV, title: 'Greetings' }],
            completed(4),
          ],
          { 'x-run-id': RUN },
        ),
      ),
    );
    const order: string[] = [];
    const onTitled = vi.fn((_id: string, title: string) => order.push(`titled ${title}`));
    const onFinished = vi.fn((_turn: unknown) => {
      order.push('finished');
    });
    const { result } = renderHook(() => useChatRun({ conversationId: null, onTitled, onFinished }));
    await act(() => result.current.send('hi', 'triage'));
    expect(onTitled).toHaveBeenCalledWith(CONV, 'Greetings');
    expect(order).toEqual(['titled Greetings', 'finished']);
    expect(onFinished.mock.calls[0]![0]).toMatchObject({
      status: 'completed',
      parts: [{ kind: 'text', text: 'Hello world' }],
    });
  });

  it('sends an edit as edit_of and a regeneration as regenerate without a message', async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      sse([[1, 'run.started', { run_id: RUN, conversation_id: CONV, agent: 'triage' }], completed(2)], {
        'x-run-id': RUN,
      }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const { result } = renderHook(() => useChatRun({ conversationId: CONV }));
    await act(() => result.current.send('new version', 'triage', { edit_of: MSG }));
    expect(JSON.parse(String(fetchMock.mock.calls[0]![1]!.body))).toEqual({
      message: 'new version',
      edit_of: MSG,
      agent: 'triage',
      conversation_id: CONV,
    });
    await act(() => result.current.send('the question', 'triage', { regenerate: true }));
    expect(JSON.parse(String(fetchMock.mock.calls[1]![1]!.body))).toEqual({
      regenerate: true,
      agent: 'triage',
      conversation_id: CONV,
    });
  });

  it('after a reload resumes the stored run with Last-Event-ID and keeps what had streamed', async () => {
    const stored = {
      ...startTurn('hi', 'triage', CONV),
      runId: RUN,
      status: 'streaming' as const,
      lastEventId: '2',
      parts: [{ kind: 'text' as const, text: 'Hello' }],
    };
    saveActiveRun(stored);
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
      sse([[3, 'message.delta', { delta: ' world' }], completed(4)]),
    );
    vi.stubGlobal('fetch', fetchMock);
    const onFinished = vi.fn();
    renderHook(() => useChatRun({ conversationId: CONV, onFinished }));
    await waitFor(() => expect(onFinished).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`/bff/api/chat/runs/${RUN}/events`);
    expect((init.headers as Record<string, string>)['last-event-id']).toBe('2');
    expect(onFinished.mock.calls[0]![0].parts).toEqual([{ kind: 'text', text: 'Hello world' }]);
  });

  it('does not resume another conversation’s run', async () => {
    saveActiveRun({ ...startTurn('hi', 'triage', 'other'), runId: RUN });
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    const { result } = renderHook(() => useChatRun({ conversationId: CONV }));
    expect(result.current.turn).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
