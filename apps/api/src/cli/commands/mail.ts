import type { Command } from 'commander';
import { withIdentity } from './identity-runtime.js';

export function registerMailCommands(program: Command) {
  program
    .command('mail')
    .description('product e-mail')
    .command('outbox')
    .description('print the latest e-mails (all of them go through the outbox; without SMTP_URL they stay there)')
    .option('--limit <n>', 'how many', '20')
    .action(async (o: { limit: string }) => {
      const rows = await withIdentity(({ mail }) =>
        mail.mailer.recent(Math.max(1, Math.min(500, Number(o.limit) || 20))),
      );
      for (const r of rows.reverse()) {
        process.stdout.write(
          `── ${r.createdAt.toISOString()}  ${r.kind}  to ${r.toAddress}  ${r.sentAt ? `sent ${r.sentAt.toISOString()}` : 'not sent (outbox)'}\n`,
        );
        process.stdout.write(`Subject: ${r.subject}\n\n${r.bodyText}\n\n`);
      }
      if (rows.length === 0) process.stderr.write('the outbox is empty\n');
    });
}
