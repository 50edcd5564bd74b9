import type { Role } from '@agentry/contracts';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAcceptable } from './password-policy.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';
import type { LoginLockout } from './lockout.js';
import type { UsersRepo, UserStatus } from './users.repo.js';

/** What operators do to accounts from the CLI: create, lock, unlock, disable. */
export class OperatorUsers {
  constructor(
    private readonly deps: {
      database: Database;
      users: UsersRepo;
      tenants: TenantsService;
      hasher: PasswordHasher;
      revoker: SessionRevoker;
      lockout: LoginLockout;
    },
  ) {}

  /** Creates a user in `tenant` (an id or slug; a new tenant of that name when none matches). */
  async create(input: { email: string; password: string; tenant: string; role: Role }) {
    assertPasswordAcceptable(input.password, input.email);
    const passwordHash = await this.deps.hasher.hash(input.password);
    const existing = await this.deps.tenants.findTenant(input.tenant);
    return this.deps.database.db.transaction(async (tx) => {
      const user = await this.deps.users.create(tx, { email: input.email, passwordHash, displayName: null });
      if (!user) throw new AppError('email_taken', 'An account with this e-mail already exists.');
      let tenantId: string;
      if (existing) {
        tenantId = existing.id;
        await this.deps.tenants.addMember(tx, tenantId, user.id, input.role);
      } else {
        tenantId = (await this.deps.tenants.createTenantWithOwner(tx, { name: input.tenant, ownerId: user.id })).id;
        if (input.role !== 'owner')
          throw new AppError('bad_request', 'A new tenant needs an owner: use --role owner or an existing tenant.');
      }
      await this.deps.users.markEmailVerified(tx, user.id);
      return { userId: user.id, tenantId, created_tenant: !existing };
    });
  }

  /** Sets the status; locking or disabling ends every session at once. */
  async setStatus(email: string, status: UserStatus): Promise<string> {
    const user = await this.deps.users.findByEmail(this.deps.database.db, email);
    if (!user) throw new AppError('not_found', 'No such user.');
    await this.deps.users.setStatus(this.deps.database.db, user.id, status);
    if (status === 'active') await this.deps.lockout.clear(this.deps.lockout.accountKey(user.email));
    else await this.deps.revoker.revokeUserSessions(user.id, `operator_${status}`);
    return user.id;
  }

  /**
   * Grants or revokes the platform operator flag (`platform:operator` in the user's tokens). Ends the
   * user's sessions so no token keeps a scope it should no longer carry (a grant applies at the next login).
   */
  async setOperator(email: string, operator: boolean): Promise<string> {
    const user = await this.deps.users.findByEmail(this.deps.database.db, email);
    if (!user) throw new AppError('not_found', 'No such user.');
    await this.deps.users.setOperator(this.deps.database.db, user.id, operator);
    if (!operator) await this.deps.revoker.revokeUserSessions(user.id, 'operator_revoked');
    return user.id;
  }
}
