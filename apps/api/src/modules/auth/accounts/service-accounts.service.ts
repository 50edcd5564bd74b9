import { ALL_SCOPES, isKnownScope, scopeSatisfies, type ServiceAccount } from '@agentry/contracts';
import type { Config } from '../../../config.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import { actorOf, type AuditActor, type AuditLog } from '../../../platform/audit.js';
import type { Caller } from '../../../platform/caller.js';
import type { Ports } from '../../../platform/ports/index.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import { operatorKeyObjects, verifyEnvelope } from './operator-envelope.js';
import type { ServiceAccountsRepo } from './service-accounts.repo.js';
import type { SessionIssuer } from '../sessions/session-issuer.js';
import type { SessionRevoker } from '../sessions/session-revoker.js';

/** Service accounts: created by tenant admins through the API or issued by operators with a signed envelope. */
export class ServiceAccountsService {
  private readonly operatorKeys;

  constructor(
    private readonly deps: {
      config: Config;
      database: Database;
      ports: Ports;
      repo: ServiceAccountsRepo;
      issuer: SessionIssuer;
      revoker: SessionRevoker;
      tenants: TenantsService;
      audit: AuditLog;
    },
  ) {
    this.operatorKeys = operatorKeyObjects(deps.config.auth.operatorKeys);
  }

  async list(caller: Caller): Promise<ServiceAccount[]> {
    const rows = await this.deps.repo.list(this.deps.database.db, caller.tenantId);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scopes: r.scopes,
      created_at: r.createdAt.toISOString(),
      last_used_at: r.lastUsedAt?.toISOString() ?? null,
    }));
  }

  /** Scopes must be known and within the caller's own (nobody can mint more than they hold). */
  async create(caller: Caller, input: { name: string; scopes: string[] }) {
    assertKnownScopes(input.scopes);
    const beyond = input.scopes.filter((s) => !grantedWithin(caller.scopes, s));
    if (beyond.length) {
      throw new AppError('insufficient_scope', 'A service account cannot have scopes its creator does not hold.', {
        details: { scopes: beyond },
      });
    }
    const issued = await this.issue({
      tenantId: caller.tenantId,
      name: input.name,
      scopes: input.scopes,
      createdBy: caller.userId,
      actor: actorOf(caller),
    });
    return { id: issued.id, name: input.name, scopes: input.scopes, refresh_token: issued.refreshToken };
  }

  async revoke(caller: Caller, id: string): Promise<void> {
    await this.deps.database.db.transaction(async (tx) => {
      if (!(await this.deps.repo.revoke(tx, caller.tenantId, id)))
        throw new AppError('not_found', 'No such service account.');
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'service_account.deleted',
        actor: actorOf(caller),
        target: { type: 'service_account', id },
      });
    });
    await this.deps.revoker.revokeServiceAccountSessions(caller.tenantId, id, 'service_account_revoked');
  }

  /** `POST /auth/service-accounts/issue`: verified envelope → a new account in the named tenant. */
  async issueByOperator(input: { rawBody: string; keyId: string | undefined; signature: string | undefined }) {
    const envelope = await verifyEnvelope({ ...input, keys: this.operatorKeys, kv: this.deps.ports.kv });
    assertKnownScopes(envelope.scopes);
    if (!(await this.deps.tenants.getTenant(envelope.tenant_id))) throw new AppError('not_found', 'No such tenant.');
    const issued = await this.issue({
      tenantId: envelope.tenant_id,
      name: envelope.account,
      scopes: envelope.scopes,
      createdBy: null,
      actor: { type: 'operator', id: null, email: null },
    });
    return {
      service_account_id: issued.id,
      refresh_token: issued.refreshToken,
      scopes: envelope.scopes,
      tenant_id: envelope.tenant_id,
    };
  }

  private async issue(input: {
    tenantId: string;
    name: string;
    scopes: string[];
    createdBy: string | null;
    actor: AuditActor;
  }) {
    const { actor, ...values } = input;
    return this.deps.database.db.transaction(async (tx) => {
      const account = await this.deps.repo.create(tx, values);
      await this.deps.audit.record(tx, {
        tenantId: input.tenantId,
        action: 'service_account.created',
        actor,
        target: { type: 'service_account', id: account.id },
        metadata: { name: input.name, scopes: input.scopes },
      });
      const opened = await this.deps.issuer.open(tx, {
        tenantId: input.tenantId,
        identity: { kind: 'service', serviceAccountId: account.id, scopes: account.scopes },
        client: { ip: null, userAgent: `service-account:${input.name}`.slice(0, 300) },
      });
      return { id: account.id, refreshToken: opened.refreshToken };
    });
  }
}

function assertKnownScopes(scopes: string[]) {
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length) {
    throw new AppError('validation_failed', 'Unknown scopes.', {
      errors: unknown.map((s) => ({ path: 'scopes', message: `unknown scope ${s}` })),
    });
  }
}

/**
 * A requested scope is within `granted` when every concrete scope it stands for is satisfied
 * (`ns:*` today means the known `ns:` scopes; NOTE: a scope added to `ns` later widens it).
 */
function grantedWithin(granted: readonly string[], requested: string): boolean {
  if (!requested.endsWith(':*')) return scopeSatisfies(granted, requested);
  const ns = requested.slice(0, -1);
  return ALL_SCOPES.filter((s) => s.startsWith(ns)).every((s) => scopeSatisfies(granted, s));
}
