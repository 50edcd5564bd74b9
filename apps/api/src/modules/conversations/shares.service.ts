import crypto from 'node:crypto';
import type { Share, SharedConversation } from '@agentry/contracts';
import { ownerIdOf, type Caller } from '../../platform/caller.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { ConversationsRepo } from './conversations.repo.js';
import type { ConversationsService } from './conversations.service.js';
import type { ShareRow, SharesRepo } from './shares.repo.js';

/** How many of the newest messages a public share shows. */
export const SHARED_MESSAGES_MAX = 500;

const toShare = (row: ShareRow): Share => ({
  id: row.id,
  path: `/s/${row.id}`,
  created_at: row.createdAt.toISOString(),
});

/**
 * Public links to a conversation as it was when shared. The owner creates, lists and revokes them;
 * anyone holding a link reads the title and the messages up to that moment — role, text, agent and
 * time only: no user ids, e-mails, tool calls or their arguments.
 */
export class SharesService {
  constructor(
    private readonly deps: {
      database: Database;
      conversations: ConversationsService;
      repo: ConversationsRepo;
      shares: SharesRepo;
    },
  ) {}

  private get db() {
    return this.deps.database.db;
  }

  async create(caller: Caller, conversationId: string): Promise<Share> {
    const conversation = await this.deps.conversations.owned(caller, conversationId);
    const [last] = await this.deps.repo.branchPage(this.db, caller.tenantId, conversationId, {
      fromId: conversation.currentLeafId,
      limit: 1,
    });
    if (!last) throw new AppError('validation_failed', 'An empty conversation cannot be shared.');
    const row = await this.deps.shares.insert(this.db, {
      id: crypto.randomBytes(16).toString('base64url'),
      tenantId: caller.tenantId,
      conversationId,
      userId: ownerIdOf(caller),
      title: conversation.title,
      lastPosition: last.position,
      leafMessageId: last.id,
    });
    return toShare(row);
  }

  async list(caller: Caller, conversationId: string): Promise<Share[]> {
    await this.deps.conversations.owned(caller, conversationId);
    return (await this.deps.shares.listOf(this.db, caller.tenantId, conversationId)).map(toShare);
  }

  async revoke(caller: Caller, conversationId: string, shareId: string): Promise<void> {
    await this.deps.conversations.owned(caller, conversationId);
    if (!(await this.deps.shares.delete(this.db, caller.tenantId, conversationId, shareId)))
      throw new AppError('not_found', 'Share not found.');
  }

  /** The public read. An unknown or revoked link is 404, like a link that never existed. */
  async read(shareId: string): Promise<SharedConversation> {
    const share = await this.deps.shares.find(this.db, shareId);
    if (!share) throw new AppError('not_found', 'This link does not exist or was revoked.');
    // The branch that was current at share time: the path to the message it ended with.
    const messages = await this.deps.repo.branchPage(this.db, share.tenantId, share.conversationId, {
      fromId: share.leafMessageId,
      limit: SHARED_MESSAGES_MAX,
    });
    return {
      title: share.title,
      shared_at: share.createdAt.toISOString(),
      messages: messages.map((m) => ({
        role: m.role as 'user' | 'assistant',
        content: m.content,
        agent: m.agent,
        created_at: m.createdAt.toISOString(),
      })),
    };
  }
}
