'use client';
import type { Message, MessageAttachment } from '@agentry/contracts';
import { Markdown } from '@/components/markdown/markdown';
import type { LiveTurn } from '@/lib/chat/live-turn';
import { ApprovalCard } from './approval-card';
import { FileSources, MessageAttachments } from './attachments';
import { BranchSwitcher, EditableQuestion } from './branch-controls';
import { FeedbackButtons } from './feedback-buttons';
import { GuardrailBlockedNotice, GuardrailNotice, HandoffNotice, ToolCallCard } from './tool-call-card';

export function UserBubble({ text, attachments }: { text: string; attachments?: MessageAttachment[] }) {
  return (
    <div className="space-y-1">
      <div className="flex justify-end">
        <div
          className="max-w-[85%] whitespace-pre-wrap rounded-2xl rounded-br-sm bg-brand-600 px-4 py-2 text-white"
          data-testid="user-message"
        >
          {text}
        </div>
      </div>
      {attachments && attachments.length > 0 && <MessageAttachments files={attachments} />}
    </div>
  );
}

export function AgentLabel({ name }: { name: string | null }) {
  return <p className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">{name ?? 'assistant'}</p>;
}

/** What the owner's view can do with the message tree (edit, regenerate, switch versions). */
export interface TreeActions {
  busy: boolean;
  onEdit: (message: Message, text: string) => Promise<boolean>;
  onSwitch: (messageId: string) => void;
  /** Only on the last answer of the branch. */
  onRegenerate?: () => void;
}

/** A stored message from the conversation history. */
export function HistoryMessage({
  message,
  agentName,
  conversationId,
  tree,
}: {
  message: Message;
  agentName: (name: string | null) => string | null;
  /** Set in the owner's own view: answers then take feedback. */
  conversationId?: string;
  tree?: TreeActions;
}) {
  if (message.role === 'user') {
    if (!tree) return <UserBubble text={message.content} attachments={message.attachments} />;
    return (
      <div className="space-y-1">
        <EditableQuestion message={message} disabled={tree.busy} onSubmit={(text) => tree.onEdit(message, text)}>
          <UserBubble text={message.content} attachments={message.attachments} />
        </EditableQuestion>
        <div className="flex justify-end">
          <BranchSwitcher message={message} onSwitch={tree.onSwitch} disabled={tree.busy} />
        </div>
      </div>
    );
  }
  return (
    <div data-testid="assistant-message">
      <AgentLabel name={agentName(message.agent)} />
      <div className="space-y-2">
        {message.tool_calls?.map((t) => (
          <ToolCallCard key={t.call_id} name={t.name} args={t.arguments} output={t.output} />
        ))}
        <Markdown source={message.content} />
        {message.tool_calls && <FileSources toolCalls={message.tool_calls} />}
      </div>
      {conversationId && <FeedbackButtons conversationId={conversationId} message={message} />}
      {tree && (message.branch_count > 1 || tree.onRegenerate) && (
        <div className="mt-1 flex items-center gap-2">
          <BranchSwitcher message={message} onSwitch={tree.onSwitch} disabled={tree.busy} />
          {tree.onRegenerate && (
            <button
              type="button"
              className="rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800"
              onClick={tree.onRegenerate}
              disabled={tree.busy}
            >
              ↻ Regenerate
            </button>
          )}
        </div>
      )}
    </div>
  );
}

const STATUS_TEXT: Record<LiveTurn['status'], string> = {
  connecting: 'Thinking…',
  streaming: '',
  reconnecting: 'Reconnecting to the answer…',
  paused: 'Waiting for your approval…',
  completed: '',
  failed: '',
};

/** The answer streaming in: text, tool calls and handoffs in the order they happened. */
export function LiveAnswer({
  turn,
  agentName,
  pendingApprovals,
}: {
  turn: LiveTurn;
  agentName: (name: string | null) => string | null;
  /** Ids of the approvals still waiting for a decision (the others show as decided). */
  pendingApprovals?: Set<string>;
}) {
  const streaming =
    turn.status === 'connecting' ||
    turn.status === 'streaming' ||
    turn.status === 'reconnecting' ||
    turn.status === 'paused';
  return (
    <div data-testid="live-answer" aria-busy={streaming}>
      <AgentLabel name={agentName(turn.agent)} />
      <div className="space-y-2">
        {turn.parts.map((part, i) => {
          // biome-ignore lint/suspicious/noArrayIndexKey: a streamed turn only appends parts
          if (part.kind === 'text') return <Markdown key={i} source={part.text} />;
          if (part.kind === 'tool')
            return <ToolCallCard key={part.callId} name={part.name} args={part.arguments} output={part.output} />;
          if (part.kind === 'approval')
            return (
              <ApprovalCard
                key={part.approvalId}
                runId={turn.runId}
                approvalId={part.approvalId}
                name={part.name}
                args={part.arguments}
                pending={pendingApprovals ? pendingApprovals.has(part.approvalId) : turn.status === 'paused'}
              />
            );
          // biome-ignore lint/suspicious/noArrayIndexKey: a streamed turn only appends parts
          if (part.kind === 'guardrail') return <GuardrailNotice key={i} {...part} />;
          // biome-ignore lint/suspicious/noArrayIndexKey: a streamed turn only appends parts
          return <HandoffNotice key={i} from={agentName(part.from) ?? part.from} to={agentName(part.to) ?? part.to} />;
        })}
        {turn.status === 'completed' && (
          <FileSources
            toolCalls={turn.parts.flatMap((p) => (p.kind === 'tool' ? [{ name: p.name, output: p.output }] : []))}
          />
        )}
        {streaming && (
          <p role="status" className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
            <span aria-hidden className="inline-block size-2 animate-pulse rounded-full bg-brand-500" />
            {STATUS_TEXT[turn.status] || <span className="sr-only">Answer streaming</span>}
          </p>
        )}
        {turn.status === 'failed' && turn.error?.code === 'guardrail_tripped' && (
          <GuardrailBlockedNotice details={turn.error.details} />
        )}
        {turn.status === 'failed' && turn.error && turn.error.code !== 'guardrail_tripped' && (
          <p
            role="alert"
            className="rounded-lg border border-amber-500/50 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:bg-amber-500/10 dark:text-amber-100"
          >
            {turn.error.code === 'run_cancelled' ? 'Stopped.' : turn.error.message}
          </p>
        )}
      </div>
    </div>
  );
}
