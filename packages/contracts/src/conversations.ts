import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';
import { Message } from './chat.js';

/** PostgreSQL text cannot hold U+0000: refuse it in the request instead of failing in the write. */
const noNul = (s: string) => !s.includes('\u0000');

/** The newest messages shown with a conversation; older ones come in pages. */
export const CONVERSATION_MESSAGES_PAGE = 100;

export const MessagePageQuery = z.object({
  /** The id of the oldest message the client holds: the page ends just before it. */
  before: Uuid.optional(),
  limit: z.coerce.number().int().min(1).max(CONVERSATION_MESSAGES_PAGE).default(50),
});
export const MessagePage = z.object({ items: z.array(Message), next_cursor: Uuid.nullable() });
export type MessagePage = z.infer<typeof MessagePage>;

export const MessageIdParam = z.object({ id: Uuid, message_id: Uuid });

/** `POST …/branch`: make the branch holding this message current (down to its newest end). */
export const BranchRequest = z.object({ message_id: Uuid });
export type BranchRequest = z.infer<typeof BranchRequest>;

export const FeedbackRequest = z.object({
  rating: z.enum(['up', 'down']),
  comment: z.string().trim().max(2000).refine(noNul, 'must not contain NUL characters').optional(),
});
export const Feedback = z.object({
  message_id: Uuid,
  rating: z.enum(['up', 'down']),
  comment: z.string().nullable(),
});
export type Feedback = z.infer<typeof Feedback>;
export const FeedbackExportQuery = z.object({ since: Timestamp.optional() });

/** A share link id: 22 base64url characters (128 random bits). */
export const ShareId = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'not a share id');
export const ShareIdParam = z.object({ id: Uuid, share_id: ShareId });
export const PublicShareParam = z.object({ share_id: ShareId });
export const Share = z.object({ id: ShareId, path: z.string(), created_at: Timestamp });
export type Share = z.infer<typeof Share>;
export const ShareList = z.object({ items: z.array(Share) });
export const SharedMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  agent: z.string().nullable(),
  created_at: Timestamp,
});
export const SharedConversation = z.object({
  title: z.string(),
  shared_at: Timestamp,
  messages: z.array(SharedMessage),
});
export type SharedConversation = z.infer<typeof SharedConversation>;

export const ConversationExportQuery = z.object({ format: z.enum(['markdown', 'json']).default('markdown') });
