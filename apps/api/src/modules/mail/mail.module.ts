import type { PlatformContext } from '../../platform/context.js';
import { MailOutboxRepo } from './mail.repo.js';
import { Mailer } from './mailer.js';

/** Product e-mail: the outbox, and its SMTP delivery worker on processes with the `worker` role. No routes. */
export function createMailModule(ctx: PlatformContext) {
  const mailer = new Mailer(ctx, new MailOutboxRepo());
  if (ctx.config.roles.includes('worker')) mailer.registerWorker();
  ctx.onShutdown(() => mailer.close());
  return { mailer };
}

export type MailModule = ReturnType<typeof createMailModule>;
