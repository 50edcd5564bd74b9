import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';

export const MESSAGE_MAX_CHARS = 32_000;
/** The most files one message can carry (the server's MESSAGE_MAX_ATTACHMENTS may lower it). */
export const MESSAGE_MAX_ATTACHMENTS = 10;

/**
 * A chat turn. `edit_of`: a new version of that user message of the conversation (a sibling of
 * it, answered on a new branch). `regenerate: true`: a new answer to the last user message of the
 * current branch (no `message`). Both need `conversation_id`; they exclude each other.
 */
export const ChatRequest = z
  .object({
    message: z.string().min(1).max(MESSAGE_MAX_CHARS).optional(),
    conversation_id: Uuid.optional(),
    agent: z.string().min(1).max(64).default('triage'),
    edit_of: Uuid.optional(),
    regenerate: z.boolean().optional(),
    /** Ids of `ready` files of the caller's tenant (API.md "Files and knowledge"). */
    attachments: z.array(Uuid).max(MESSAGE_MAX_ATTACHMENTS).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.regenerate && r.attachments !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['attachments'],
        message: "a regenerated answer reuses the question's attachments",
      });
    if (r.regenerate) {
      if (r.message !== undefined)
        ctx.addIssue({ code: 'custom', path: ['message'], message: 'a regenerated answer takes no message' });
      if (r.edit_of !== undefined)
        ctx.addIssue({ code: 'custom', path: ['edit_of'], message: 'edit_of and regenerate exclude each other' });
    } else if (r.message === undefined) {
      ctx.addIssue({ code: 'custom', path: ['message'], message: 'required' });
    }
    if ((r.regenerate || r.edit_of !== undefined) && r.conversation_id === undefined)
      ctx.addIssue({ code: 'custom', path: ['conversation_id'], message: 'required with edit_of or regenerate' });
  });
export type ChatRequest = z.infer<typeof ChatRequest>;

export const Usage = z.object({
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const Handoff = z.object({ from: z.string(), to: z.string() });

export const ChatResponse = z.object({
  conversation_id: Uuid,
  run_id: Uuid,
  message_id: Uuid,
  response: z.string(),
  agent: z.string(),
  handoffs: z.array(Handoff),
  usage: Usage,
});
export type ChatResponse = z.infer<typeof ChatResponse>;

export const RunIdParam = z.object({ run_id: Uuid });
export const RunEventsQuery = z.object({ after: z.coerce.number().int().nonnegative().optional() });

/** Every event a chat run emits, by SSE `event:` name. */
export const RunEventData = {
  'run.started': z.object({ run_id: Uuid, conversation_id: Uuid, agent: z.string() }),
  'agent.updated': Handoff,
  'message.delta': z.object({ delta: z.string() }),
  'tool.called': z.object({ call_id: z.string(), name: z.string(), arguments: z.string() }),
  'tool.output': z.object({ call_id: z.string(), name: z.string(), output: z.string() }),
  /** The conversation got its automatic title (after its first run, before the terminal event). */
  'conversation.titled': z.object({ conversation_id: Uuid, title: z.string() }),
  /** Older turns were summarized into the model's memory (AGENT_MEMORY_MAX_TOKENS); the transcript stays whole. */
  'memory.compacted': z.object({ conversation_id: Uuid, summarized_messages: z.number().int().nonnegative() }),
  'run.completed': z.object({
    run_id: Uuid,
    conversation_id: Uuid,
    message_id: Uuid,
    response: z.string(),
    agent: z.string(),
    usage: Usage,
  }),
  'run.failed': z.object({
    run_id: Uuid,
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    /** `guardrail_tripped`: the guardrail and the stage that stopped the run. */
    details: z.object({ guardrail: z.string(), stage: z.string() }).optional(),
  }),
  'guardrail.applied': z.object({ guardrail: z.string(), stage: z.string(), action: z.string() }),
  /** A call to a tool that requires approval: the run pauses instead of running it. */
  'approval.requested': z.object({ approval_id: Uuid, call_id: z.string(), name: z.string(), arguments: z.string() }),
  /** Ends a response, not the run: it goes on (`run.resumed`) once every approval is decided. */
  'run.paused': z.object({ run_id: Uuid, approvals: z.array(Uuid) }),
  'run.resumed': z.object({ run_id: Uuid }),
} as const;
export type RunEventName = keyof typeof RunEventData;
export type RunEvent = { [K in RunEventName]: { event: K; data: z.infer<(typeof RunEventData)[K]> } }[RunEventName];
export const TERMINAL_RUN_EVENTS: readonly RunEventName[] = ['run.completed', 'run.failed'];
/** Events that end a response (`/chat/stream`, `/runs/{id}/events`): the terminal ones and `run.paused`. */
export const RESPONSE_END_EVENTS: readonly RunEventName[] = [...TERMINAL_RUN_EVENTS, 'run.paused'];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export const Approval = z.object({
  approval_id: Uuid,
  run_id: Uuid,
  conversation_id: Uuid,
  name: z.string(),
  /** The tool call's arguments, as the model sent them (a JSON string). */
  arguments: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  requested_at: Timestamp,
  decided_at: Timestamp.nullable(),
});
export type Approval = z.infer<typeof Approval>;
export const ApprovalList = z.object({ items: z.array(Approval) });
export const ApprovalListQuery = z.object({
  status: z.enum(APPROVAL_STATUSES).optional(),
  conversation_id: Uuid.optional(),
});
export const ApprovalParams = z.object({ run_id: Uuid, approval_id: Uuid });
export const ApprovalDecisionRequest = z.object({
  decision: z.enum(['approve', 'reject']),
  message: z.string().trim().min(1).max(2000).optional(),
});
export type ApprovalDecisionRequest = z.infer<typeof ApprovalDecisionRequest>;
export const ApprovalDecisionResponse = z.object({ approval_id: Uuid, decision: z.enum(['approve', 'reject']) });
/** `POST /chat` for a run that paused for approval (202). */
export const ChatPausedResponse = z.object({
  conversation_id: Uuid,
  run_id: Uuid,
  status: z.literal('awaiting_approval'),
  approvals: z.array(Approval),
});
export type ChatPausedResponse = z.infer<typeof ChatPausedResponse>;

/** Codes a `run.failed` event can carry. */
export const RUN_FAILURE_CODES = [
  'run_cancelled',
  'run_timeout',
  'max_turns_exceeded',
  'model_error',
  'model_behavior_error',
  'guardrail_tripped',
  'tool_error',
  'internal_error',
  /** The replica running it stopped (crashed) mid-run; the reaper ended it. Retryable. */
  'run_lost',
  /** A run paused for approval waited longer than APPROVAL_TTL_SECONDS. */
  'approval_expired',
  /** An operator suspended the run's tenant. */
  'tenant_suspended',
  /** The message has an image attachment and the configured model takes no image input (MODEL_IMAGE_INPUT=false). */
  'image_input_unsupported',
] as const;
export type RunFailureCode = (typeof RUN_FAILURE_CODES)[number];

export const ToolCall = z.object({
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  output: z.string().nullable(),
});

export const ConversationSummary = z.object({
  id: Uuid,
  title: z.string(),
  agent: z.string(),
  message_count: z.number().int(),
  last_message_preview: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationList = z.object({ items: z.array(ConversationSummary), next_cursor: z.string().nullable() });
export type ConversationList = z.infer<typeof ConversationList>;
export const ConversationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
  // PostgreSQL text cannot hold U+0000: refuse it here rather than fail in the search query.
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((q) => !q.includes('\u0000'), 'must not contain NUL characters')
    .optional(),
});

/** A file attached to a user message, as it was when sent (the file itself may be deleted since). */
export const MessageAttachment = z.object({
  file_id: Uuid,
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
});
export type MessageAttachment = z.infer<typeof MessageAttachment>;

export const Message = z.object({
  id: Uuid,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  agent: z.string().nullable(),
  created_at: Timestamp,
  /** The message this one follows (null for the first): messages form a tree. */
  parent_id: Uuid.nullable(),
  /** 1-based place among the messages sharing its parent (its versions), oldest first. */
  branch_index: z.number().int().positive(),
  /** How many messages share its parent (1: no other version). */
  branch_count: z.number().int().positive(),
  /** The neighbouring versions, for `‹ 2/3 ›` switchers (`POST …/branch` with one of them). */
  previous_sibling_id: Uuid.nullable(),
  next_sibling_id: Uuid.nullable(),
  tool_calls: z.array(ToolCall).optional(),
  /** On user messages that carried files: those files, in the order they were sent. */
  attachments: z.array(MessageAttachment).optional(),
  /** On assistant messages: the caller's own rating, or null. */
  feedback: z
    .object({ rating: z.enum(['up', 'down']), comment: z.string().nullable() })
    .nullable()
    .optional(),
});
export type Message = z.infer<typeof Message>;

export const ConversationDetail = z.object({
  id: Uuid,
  title: z.string(),
  agent: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  /** The newest messages (at most 100), oldest first; older ones through `GET …/messages?before=`. */
  messages: z.array(Message),
  has_more: z.boolean(),
});
export type ConversationDetail = z.infer<typeof ConversationDetail>;
export const RenameConversationRequest = z.object({ title: z.string().trim().min(1).max(200) });

export const AgentSummary = z.object({
  name: z.string(),
  display_name: z.string(),
  description: z.string(),
  model: z.string(),
  tools: z.array(z.string()),
  handoffs: z.array(z.string()),
});
export const AgentList = z.object({ items: z.array(AgentSummary) });
export const AgentDetail = AgentSummary.extend({
  stats: z.object({ conversations: z.number().int(), last_used_at: Timestamp.nullable() }),
});
export type AgentSummary = z.infer<typeof AgentSummary>;
export const AgentNameParam = z.object({ name: z.string().min(1).max(64) });

export const ToolInfo = z.object({
  name: z.string(),
  description: z.string(),
  core: z.boolean(),
  agents: z.array(z.string()),
  capabilities: z.array(z.string()),
  parameters: z.record(z.string(), z.unknown()),
  /** A call of this tool pauses the run until a person approves it. */
  requires_approval: z.boolean(),
});
export const ToolList = z.object({ items: z.array(ToolInfo) });
export const ToolListQuery = z.object({ agent: z.string().min(1).max(64).optional() });
export type ToolInfo = z.infer<typeof ToolInfo>;
