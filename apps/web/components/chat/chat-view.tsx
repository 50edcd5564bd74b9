'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { usePathname } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { keys, useAgents, useConversation, usePendingApprovals } from '@/lib/client/queries';
import { ApiError, describeError } from '@/lib/client/api-error';
import { useChatRun } from '@/lib/chat/use-chat-run';
import { reloadConversation } from '@/lib/chat/reload-conversation';
import { useCountdown } from '@/lib/hooks/use-countdown';
import { useToast } from '@/components/ui/toaster';
import { Alert, Skeleton } from '@/components/ui/feedback';
import type { ConversationDetail, ConversationList, Message, MessageAttachment } from '@agentry/contracts';
import type { InfiniteData } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { Button } from '@/components/ui/button';
import { Composer } from './composer';
import { ConversationActions } from './conversation-actions';
import { HistoryMessage, LiveAnswer, type TreeActions, UserBubble } from './message-bubbles';
import { ChatWelcome } from './chat-welcome';

/** A conversation (or a new one when `initialConversationId` is null) with its live answer. */
export function ChatView({ initialConversationId }: { initialConversationId: string | null }) {
  const [conversationId, setConversationId] = useState(initialConversationId);
  const [agent, setAgent] = useState('triage');
  const queryClient = useQueryClient();
  const toast = useToast();
  const pathname = usePathname();
  const countdown = useCountdown();
  const agents = useAgents();
  const history = useConversation(conversationId);
  const approvals = usePendingApprovals(conversationId);
  const bottom = useRef<HTMLDivElement>(null);
  /** The message of the run in flight (a new conversation's row shows it before the list refetches). */
  const lastSent = useRef('');

  /** Sets a conversation's title in every cached list page and in its detail, without a refetch. */
  const retitle = useCallback(
    (id: string, title: string) => {
      queryClient.setQueriesData<InfiniteData<ConversationList>>({ queryKey: keys.conversationsAll }, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((p) => ({
                ...p,
                items: p.items.map((c) => (c.id === id ? { ...c, title } : c)),
              })),
            }
          : data,
      );
      queryClient.setQueryData<ConversationDetail>(keys.conversation(id), (data) => (data ? { ...data, title } : data));
    },
    [queryClient],
  );

  // While an edit or a regeneration runs, the branch is shown up to the message it replaces.
  const [cutAt, setCutAt] = useState<string | null>(null);

  const run = useChatRun({
    conversationId,
    onConversation: (id) => {
      if (id === conversationId) return;
      setConversationId(id);
      // The URL follows the new conversation without remounting this view mid-stream.
      if (window.location.pathname !== `/c/${id}`) window.history.replaceState(null, '', `/c/${id}`);
      // The sidebar shows the new conversation at once (the refetch confirms it).
      const text = lastSent.current;
      const now = new Date().toISOString();
      queryClient.setQueriesData<InfiniteData<ConversationList>>({ queryKey: keys.conversations('') }, (data) => {
        const row = {
          id,
          title: text.trim().split('\n')[0].slice(0, 60) || 'New conversation',
          agent,
          message_count: 1,
          last_message_preview: text.slice(0, 140),
          created_at: now,
          updated_at: now,
        };
        if (!data) return { pages: [{ items: [row], next_cursor: null }], pageParams: [null] };
        if (data.pages.some((p) => p.items.some((c) => c.id === id))) return data;
        const [first, ...rest] = data.pages;
        return { ...data, pages: [{ ...first, items: [row, ...first.items] }, ...rest] };
      });
      void queryClient.invalidateQueries({ queryKey: keys.conversationsAll });
    },
    onPaused: () => void queryClient.invalidateQueries({ queryKey: keys.approvalsAll }),
    onTitled: retitle,
    onFinished: async (turn) => {
      void queryClient.invalidateQueries({ queryKey: keys.approvalsAll });
      const id = turn.conversationId ?? conversationId;
      void queryClient.invalidateQueries({ queryKey: keys.conversationsAll });
      if (id) await reloadConversation(queryClient, id);
      setCutAt(null);
    },
  });

  // "New chat" from a conversation whose URL was replaced lands here with the same component.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only, not when the run or conversation changes
  useEffect(() => {
    if (pathname === '/' && initialConversationId === null && conversationId && !run.busy) setConversationId(null);
  }, [pathname]);

  useEffect(() => {
    if (history.data?.agent) setAgent(history.data.agent);
  }, [history.data?.agent]);

  const agentList = agents.data?.items ?? [];
  const agentName = useCallback(
    (name: string | null) => (name ? (agentList.find((a) => a.name === name)?.display_name ?? name) : null),
    [agentList],
  );
  const selected = agentList.find((a) => a.name === agent);
  const offline = useMemo(
    () => selected?.model === 'offline' || (!selected && agentList.some((a) => a.model === 'offline')),
    [selected, agentList],
  );

  // A run of this conversation waiting for approval (after a reload, or from the approvals list):
  // follow it from its start, so its card shows and the answer streams in once decided.
  const pendingItems = approvals.data?.items;
  const pendingIds = useMemo(() => new Set((pendingItems ?? []).map((a) => a.approval_id)), [pendingItems]);
  const waitingRun = conversationId
    ? pendingItems?.find((a) => a.conversation_id === conversationId)?.run_id
    : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: attach once per waiting run
  useEffect(() => {
    if (waitingRun && !run.turn) run.attach(waitingRun);
  }, [waitingRun]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a message or a streamed part arrives
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [history.data?.messages.length, run.turn]);

  const send = async (
    message: string,
    branch?: { edit_of?: string; regenerate?: boolean },
    attachments: MessageAttachment[] = [],
  ): Promise<boolean> => {
    try {
      lastSent.current = message;
      await run.send(message, agent, branch, attachments);
      return true;
    } catch (error) {
      setCutAt(null);
      if (error instanceof ApiError && error.status === 429 && error.retryAfter) countdown.start(error.retryAfter);
      toast(describeError(error), 'error');
      return false;
    }
  };
  const stop = () => run.stop().catch((error) => toast(describeError(error), 'error'));

  const earlier = useEarlierMessages(conversationId, history.data);
  const branch = [...earlier.messages, ...(history.data?.messages ?? [])];
  const cutIndex = cutAt ? branch.findIndex((m) => m.id === cutAt) : -1;
  const messages = cutIndex >= 0 ? branch.slice(0, cutIndex) : branch;
  const lastAnswer = messages.at(-1)?.role === 'assistant' ? messages.at(-1) : undefined;
  const lastQuestion = [...messages].reverse().find((m) => m.role === 'user');
  const switchBranch = async (messageId: string) => {
    if (!conversationId) return;
    try {
      const detail = await api.post('/conversations/:id/branch', {
        params: { id: conversationId },
        body: { message_id: messageId },
      });
      queryClient.setQueryData(keys.conversation(conversationId), detail);
    } catch (error) {
      toast(describeError(error), 'error');
    }
  };
  const tree = (m: Message): TreeActions | undefined =>
    conversationId
      ? {
          busy: run.busy,
          onSwitch: (id) => void switchBranch(id),
          onEdit: (message, text) => {
            setCutAt(message.id);
            // The new version carries the same files as the one it replaces.
            return send(text, { edit_of: message.id }, message.attachments ?? []);
          },
          onRegenerate:
            m === lastAnswer && lastQuestion
              ? () => {
                  setCutAt(m.id);
                  void send(lastQuestion.content, { regenerate: true });
                }
              : undefined,
        }
      : undefined;
  // The API stores the question before the run starts, so once the history reloads it holds the
  // live turn's question: show it once.
  const lastStored = messages[messages.length - 1];
  const showLiveUser = Boolean(
    run.turn?.showUser && !(lastStored?.role === 'user' && lastStored.content === run.turn.userText),
  );
  const notFound = history.error instanceof ApiError && history.error.status === 404;
  const empty = !conversationId && !run.turn;

  return (
    <div className="mx-auto flex h-full max-w-3xl flex-col px-3 sm:px-6">
      <div className="flex-1 space-y-6 py-6" aria-live="off">
        {offline && (
          <Alert tone="warning" title="Offline model answering">
            No model key is configured, so a built-in scripted model replies. Set <code>OPENAI_API_KEY</code> on the API
            for real answers.
          </Alert>
        )}
        {notFound ? (
          <Alert tone="error" title="Conversation not found">
            It may have been deleted. Start a new chat from the sidebar.
          </Alert>
        ) : history.isError ? (
          <Alert tone="error">{describeError(history.error)}</Alert>
        ) : null}
        {conversationId && history.isPending && !run.turn && (
          <div role="status" aria-label="Loading conversation" className="space-y-4">
            <Skeleton className="ml-auto h-10 w-1/2" />
            <Skeleton className="h-24 w-5/6" />
          </div>
        )}
        {empty && <ChatWelcome agents={agentList} onPick={(name) => setAgent(name)} />}
        {conversationId && history.data && <ConversationActions conversationId={conversationId} />}
        {earlier.hasMore && (
          <div className="flex justify-center">
            <Button size="sm" variant="secondary" onClick={earlier.load} loading={earlier.loading}>
              Load earlier messages
            </Button>
          </div>
        )}
        <div role="log" aria-label="Messages" className="space-y-6">
          {messages.map((m) => (
            <HistoryMessage
              key={m.id}
              message={m}
              agentName={agentName}
              conversationId={conversationId ?? undefined}
              tree={tree(m)}
            />
          ))}
          {showLiveUser && run.turn && <UserBubble text={run.turn.userText} attachments={run.turn.userAttachments} />}
          {run.turn && (
            <LiveAnswer
              turn={run.turn}
              agentName={agentName}
              pendingApprovals={approvals.data ? pendingIds : undefined}
            />
          )}
        </div>
        <div ref={bottom} />
      </div>
      <div className="sticky bottom-0 bg-white pb-4 pt-2 dark:bg-zinc-950">
        <Composer
          agents={agentList}
          agent={agent}
          onAgentChange={setAgent}
          busy={run.busy}
          retryIn={countdown.secondsLeft}
          onSend={(message, attachments) => send(message, undefined, attachments)}
          onStop={stop}
        />
      </div>
    </div>
  );
}

/**
 * Older pages of a long conversation: the read shows the newest 100 messages, and each click on
 * "Load earlier messages" prepends the page before the oldest one shown.
 */
function useEarlierMessages(
  conversationId: string | null,
  latest: { messages: Message[]; has_more: boolean } | undefined,
) {
  const toast = useToast();
  const [pages, setPages] = useState<{ messages: Message[]; cursor: string | null }>({ messages: [], cursor: null });
  const [loading, setLoading] = useState(false);
  // A new conversation (or another branch of it: its newest page starts elsewhere) starts without older pages.
  const oldestShown = latest?.messages[0]?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on those changes only
  useEffect(() => setPages({ messages: [], cursor: null }), [conversationId, oldestShown]);
  const before = pages.messages.length ? pages.cursor : latest?.has_more ? (latest.messages[0]?.id ?? null) : null;
  const load = async () => {
    if (!conversationId || !before) return;
    setLoading(true);
    try {
      const page = await api.get('/conversations/:id/messages', {
        params: { id: conversationId },
        query: { before, limit: 100 },
      });
      setPages((p) => ({ messages: [...page.items, ...p.messages], cursor: page.next_cursor }));
    } catch (error) {
      toast(describeError(error), 'error');
    } finally {
      setLoading(false);
    }
  };
  return { messages: pages.messages, hasMore: Boolean(before), loading, load };
}
