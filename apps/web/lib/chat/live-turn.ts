import { RunEventData, type MessageAttachment, type RunEvent, type RunEventName } from '@agentry/contracts';

/** A piece of an assistant answer as it streams in, in arrival order. */
export type LivePart =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; callId: string; name: string; arguments: string; output: string | null }
  | { kind: 'handoff'; from: string; to: string }
  | { kind: 'guardrail'; guardrail: string; stage: string; action: string }
  /** A tool call waiting for the user's decision (the run pauses until it is decided). */
  | { kind: 'approval'; approvalId: string; callId: string; name: string; arguments: string };

export type TurnStatus = 'connecting' | 'streaming' | 'reconnecting' | 'paused' | 'completed' | 'failed';

/** The exchange in flight: the question, what has streamed back so far, and where the stream is. */
export interface LiveTurn {
  userText: string;
  /** The files sent with the question (optional: runs saved before attachments existed have none). */
  userAttachments?: MessageAttachment[];
  /** False once the user message is known to be in the loaded history (after a reload). */
  showUser: boolean;
  agent: string;
  parts: LivePart[];
  status: TurnStatus;
  runId: string | null;
  conversationId: string | null;
  lastEventId: string | null;
  error: {
    code: string;
    message: string;
    retryable: boolean;
    /** `guardrail_tripped`: the guardrail that blocked the run and the stage it ran at. */
    details?: { guardrail: string; stage: string };
  } | null;
}

export function startTurn(
  userText: string,
  agent: string,
  conversationId: string | null,
  userAttachments: MessageAttachment[] = [],
): LiveTurn {
  return {
    userText,
    userAttachments,
    showUser: true,
    agent,
    parts: [],
    status: 'connecting',
    runId: null,
    conversationId,
    lastEventId: null,
    error: null,
  };
}

/** Validates one SSE message against the contract; unknown or malformed events are dropped. */
export function parseRunEvent(event: string, data: string): RunEvent | null {
  if (!(event in RunEventData)) return null;
  try {
    const parsed = RunEventData[event as RunEventName].safeParse(JSON.parse(data));
    return parsed.success ? ({ event, data: parsed.data } as RunEvent) : null;
  } catch {
    return null;
  }
}

/** Folds one run event into the turn. Pure, so it is tested without a browser. */
export function applyRunEvent(turn: LiveTurn, e: RunEvent, eventId: string | null): LiveTurn {
  const next: LiveTurn = { ...turn, lastEventId: eventId ?? turn.lastEventId, status: 'streaming' };
  switch (e.event) {
    case 'run.started':
      return { ...next, runId: e.data.run_id, conversationId: e.data.conversation_id, agent: e.data.agent };
    case 'agent.updated':
      return {
        ...next,
        agent: e.data.to,
        parts: [...turn.parts, { kind: 'handoff', from: e.data.from, to: e.data.to }],
      };
    case 'message.delta': {
      const last = turn.parts[turn.parts.length - 1];
      if (last?.kind === 'text')
        return { ...next, parts: [...turn.parts.slice(0, -1), { kind: 'text', text: last.text + e.data.delta }] };
      return { ...next, parts: [...turn.parts, { kind: 'text', text: e.data.delta }] };
    }
    case 'tool.called':
      return {
        ...next,
        parts: [
          ...turn.parts,
          { kind: 'tool', callId: e.data.call_id, name: e.data.name, arguments: e.data.arguments, output: null },
        ],
      };
    case 'tool.output':
      return {
        ...next,
        parts: turn.parts.map((p) =>
          p.kind === 'tool' && p.callId === e.data.call_id ? { ...p, output: e.data.output } : p,
        ),
      };
    case 'approval.requested':
      return {
        ...next,
        parts: [
          ...turn.parts,
          {
            kind: 'approval',
            approvalId: e.data.approval_id,
            callId: e.data.call_id,
            name: e.data.name,
            arguments: e.data.arguments,
          },
        ],
      };
    case 'run.paused':
      return { ...next, status: 'paused' };
    case 'run.resumed':
    case 'conversation.titled':
    case 'memory.compacted':
      // About the conversation, not the answer: the view reacts to them (the sidebar's title).
      return next;
    case 'guardrail.applied':
      return { ...next, parts: [...turn.parts, { kind: 'guardrail', ...e.data }] };
    case 'run.completed': {
      const done = {
        ...next,
        status: 'completed' as const,
        agent: e.data.agent,
        conversationId: e.data.conversation_id,
      };
      // An answer masked by a guardrail: the stored (masked) text replaces what streamed.
      if (turnText(turn) === e.data.response) return done;
      return {
        ...done,
        parts: [...turn.parts.filter((p) => p.kind !== 'text'), { kind: 'text', text: e.data.response }],
      };
    }
    case 'run.failed': {
      // A blocked answer is not stored: the partial text it streamed goes too, the notice says why.
      const blockedAnswer = e.data.code === 'guardrail_tripped' && e.data.details?.stage === 'output';
      return {
        ...next,
        status: 'failed',
        parts: blockedAnswer ? turn.parts.filter((p) => p.kind !== 'text') : turn.parts,
        error: {
          code: e.data.code,
          message: e.data.message,
          retryable: e.data.retryable,
          ...(e.data.details ? { details: e.data.details } : {}),
        },
      };
    }
  }
}

export function isTerminal(turn: LiveTurn): boolean {
  return turn.status === 'completed' || turn.status === 'failed';
}

/** All streamed text of the turn, e.g. for copying. */
export function turnText(turn: LiveTurn): string {
  return turn.parts.flatMap((p) => (p.kind === 'text' ? [p.text] : [])).join('');
}
