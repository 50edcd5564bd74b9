import type { Role, SsoConfigRequest, SsoConfigResponse, SsoProvisioning } from '@agentry/contracts';
import type { Config } from '../../../config.js';
import { actorOf, type AuditLog } from '../../../platform/audit.js';
import type { Caller } from '../../../platform/caller.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { SecretBox } from '../../../platform/secret-box.js';
import { BlockedAddressError } from '../../../platform/ssrf.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { OidcIssuers } from './oidc-issuers.js';
import type { SsoRepo } from './sso.repo.js';
import type { SsoConfigRow } from './sso.tables.js';

export interface SsoConfigDeps {
  config: Config;
  database: Database;
  logger: Logger;
  secrets: SecretBox;
  audit: AuditLog;
  repo: SsoRepo;
  tenants: TenantsService;
  issuers: OidcIssuers;
}

/** The URL the IdP sends the browser back to; registered at the IdP as the client's redirect URI. */
export function ssoCallbackUrl(config: Config): string {
  return `${config.sso.publicApiUrl.replace(/\/+$/, '')}/api/v1/auth/sso/callback`;
}

/** The client secret of a configuration, sealed at rest under its tenant's context. */
export function ssoClientSecret(secrets: SecretBox, row: SsoConfigRow): string {
  return secrets.open(row.clientSecretSealed, secretContext(row.tenantId));
}

/**
 * A tenant's single sign-on configuration (`/tenants/current/sso`): saved only when the issuer's
 * discovery document can be fetched, the client secret sealed, every change audited; and what the
 * rest of sign-in asks of it (`enforce`, the tenant for an e-mail domain). See README.md ("sso/").
 */
export class SsoConfigService {
  constructor(private readonly deps: SsoConfigDeps) {}

  private get db() {
    return this.deps.database.db;
  }

  async getConfig(caller: Caller): Promise<SsoConfigResponse> {
    const row = await this.deps.repo.get(this.db, caller.tenantId);
    if (!row) throw new AppError('not_found', 'Single sign-on is not configured.');
    return this.present(row);
  }

  async saveConfig(caller: Caller, input: SsoConfigRequest): Promise<SsoConfigResponse> {
    const issuer = input.issuer;
    try {
      await this.deps.issuers.discover(issuer, input.client_id, input.client_secret, { fresh: true });
    } catch (err) {
      this.deps.logger.info({ err: String(err) }, 'sso discovery failed');
      const message = isBlocked(err)
        ? 'the issuer is on a loopback, private or link-local address (SSO_ALLOW_PRIVATE_NETWORKS)'
        : 'no valid OpenID Connect discovery document at this issuer';
      throw new AppError('validation_failed', 'The issuer’s OpenID discovery document could not be fetched.', {
        errors: [{ path: 'issuer', message }],
      });
    }
    const row = await this.db.transaction(async (tx) => {
      const saved = await this.deps.repo.upsert(tx, {
        tenantId: caller.tenantId,
        issuer,
        clientId: input.client_id,
        clientSecretSealed: this.deps.secrets.seal(input.client_secret, secretContext(caller.tenantId)),
        allowedDomains: [...new Set(input.allowed_domains)],
        autoProvision: input.auto_provision,
        defaultRole: input.default_role,
        enforce: input.enforce,
      });
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'sso.configured',
        actor: actorOf(caller),
        target: { type: 'tenant', id: caller.tenantId },
        metadata: {
          change: 'saved',
          issuer,
          client_id: input.client_id,
          allowed_domains: saved.allowedDomains,
          auto_provision: input.auto_provision,
          default_role: input.default_role,
          enforce: input.enforce,
        },
      });
      return saved;
    });
    return this.present(row);
  }

  async deleteConfig(caller: Caller): Promise<void> {
    await this.db.transaction(async (tx) => {
      const gone = await this.deps.repo.delete(tx, caller.tenantId);
      if (!gone) throw new AppError('not_found', 'Single sign-on is not configured.');
      await this.deps.audit.record(tx, {
        tenantId: caller.tenantId,
        action: 'sso.configured',
        actor: actorOf(caller),
        target: { type: 'tenant', id: caller.tenantId },
        metadata: { change: 'removed' },
      });
    });
  }

  /** Whether password login into `tenantId` is refused for `role` (`enforce`, owners exempt). */
  async passwordLoginRefused(tenantId: string, role: Role): Promise<boolean> {
    if (role === 'owner') return false;
    const row = await this.deps.repo.get(this.db, tenantId);
    return !!row?.enforce;
  }

  /** Extension: the slug of the tenant whose SSO lists the address's domain, for "Continue with SSO". */
  async lookup(email: string): Promise<{ tenant_slug: string }> {
    const domain = email.split('@').pop()?.toLowerCase() ?? '';
    const tenantId = await this.deps.repo.tenantForDomain(this.db, domain);
    const tenant = tenantId ? await this.deps.tenants.getTenant(tenantId) : undefined;
    if (!tenant || tenant.status !== 'active') throw new AppError('not_found', 'No single sign-on for this domain.');
    return { tenant_slug: tenant.slug };
  }

  private present(row: SsoConfigRow): SsoConfigResponse {
    return {
      issuer: row.issuer,
      client_id: row.clientId,
      client_secret_set: true,
      allowed_domains: row.allowedDomains ?? [],
      auto_provision: row.autoProvision as SsoProvisioning,
      default_role: row.defaultRole as Role,
      enforce: row.enforce,
      redirect_uri: ssoCallbackUrl(this.deps.config),
      updated_at: row.updatedAt.toISOString(),
    };
  }
}

function secretContext(tenantId: string) {
  return `sso.client_secret:${tenantId}`;
}

/** True when a fetch failed because the SSRF guard refused the address (possibly wrapped by fetch). */
function isBlocked(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof BlockedAddressError || (e as { code?: string }).code === 'EBLOCKED') return true;
  return false;
}
