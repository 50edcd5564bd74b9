import type { Command } from 'commander';
import { ROLES, type Role } from '@agentry/contracts';
import { progress } from '../cli-runtime.js';
import { maskEmail } from '../../platform/logger.js';
import { withIdentity } from './identity-runtime.js';

export function registerUsersCommands(program: Command) {
  const users = program.command('users').description('accounts');
  users
    .command('create')
    .description('create a user (e-mail marked verified) in a tenant (id or slug; a new tenant of that name otherwise)')
    .requiredOption('--email <email>')
    .requiredOption('--password <password>', 'must pass the password policy')
    .requiredOption('--tenant <tenant>', 'tenant id or slug, or the name of a new tenant')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'owner')
    .action(async (o: { email: string; password: string; tenant: string; role: string }) => {
      if (!(ROLES as readonly string[]).includes(o.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      const created = await withIdentity(({ accounts }) =>
        accounts.operatorUsers.create({ email: o.email, password: o.password, tenant: o.tenant, role: o.role as Role }),
      );
      progress(`created ${maskEmail(o.email)} as ${o.role}${created.created_tenant ? ' of a new tenant' : ''}`);
      process.stdout.write(`${JSON.stringify({ user_id: created.userId, tenant_id: created.tenantId })}\n`);
    });
  for (const [name, status, what] of [
    ['lock', 'locked', 'lock an account (423 on login until unlocked or a password reset); ends its sessions'],
    ['unlock', 'active', 'unlock an account (also clears a failed-login lockout)'],
    ['disable', 'disabled', 'disable an account (403 account_disabled); ends its sessions'],
  ] as const) {
    users
      .command(name)
      .description(what)
      .requiredOption('--email <email>')
      .action(async (o: { email: string }) => {
        await withIdentity(({ accounts }) => accounts.operatorUsers.setStatus(o.email, status));
        progress(`${maskEmail(o.email)}: ${status}`);
      });
  }
  for (const [name, operator, what] of [
    [
      'grant-operator',
      true,
      'make an account a platform operator (platform:operator in its tokens from its next login)',
    ],
    ['revoke-operator', false, 'take the platform operator flag away; ends its sessions'],
  ] as const) {
    users
      .command(name)
      .description(what)
      .argument('[email]', 'the account (or --email)')
      .option('--email <email>')
      .action(async (positional: string | undefined, o: { email?: string }) => {
        const email = positional ?? o.email;
        if (!email) throw new Error(`usage: agentry users ${name} EMAIL`);
        await withIdentity(({ accounts }) => accounts.operatorUsers.setOperator(email, operator));
        progress(`${maskEmail(email)}: ${operator ? 'platform operator' : 'no longer a platform operator'}`);
      });
  }
}
