import { ROLE_SCOPES, type MeResponse, type UpdateProfileRequest } from '@agentry/contracts';
import type { Caller } from '../../../platform/caller.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { TenantsService } from '../../tenants/tenants.service.js';
import type { ProfileRow } from './accounts.tables.js';
import type { MfaRepo } from './mfa/mfa.repo.js';
import type { UsersRepo } from './users.repo.js';

/** The caller as the product shows them: account, profile, tenant and role (`/auth/me`). */
export class ProfileService {
  constructor(private readonly deps: { database: Database; users: UsersRepo; tenants: TenantsService; mfa: MfaRepo }) {}

  async me(caller: Caller): Promise<MeResponse> {
    const userId = requireUser(caller);
    const [user, profile, tenant, mfaEnabled] = await Promise.all([
      this.deps.users.findById(this.deps.database.db, userId),
      this.deps.users.findProfile(this.deps.database.db, userId),
      this.deps.tenants.getTenant(caller.tenantId),
      this.deps.mfa.isEnabled(this.deps.database.db, userId),
    ]);
    if (!user || !tenant) throw new AppError('not_found', 'No such user.');
    return {
      user: {
        id: user.id,
        email: user.email,
        email_verified: !!user.emailVerifiedAt,
        mfa_enabled: mfaEnabled,
        ...profileFields(profile),
      },
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
      role: caller.role!,
      scopes: caller.scopes.length ? caller.scopes : [...ROLE_SCOPES[caller.role!]],
      session_id: caller.sessionId,
    };
  }

  /** Sets the fields present in `patch` (`null` clears one); an empty patch is `empty_update`. */
  async update(caller: Caller, patch: UpdateProfileRequest): Promise<MeResponse> {
    const userId = requireUser(caller);
    const set: Parameters<UsersRepo['updateProfile']>[2] = {};
    if (patch.display_name !== undefined) set.displayName = patch.display_name;
    if (patch.avatar_url !== undefined) set.avatarUrl = patch.avatar_url;
    if (patch.locale !== undefined)
      set.locale = patch.locale === null ? null : Intl.getCanonicalLocales(patch.locale)[0];
    if (patch.timezone !== undefined) set.timezone = patch.timezone;
    if (Object.keys(set).length === 0)
      throw new AppError('empty_update', 'Send at least one of display_name, avatar_url, locale, timezone.');
    if (!(await this.deps.users.updateProfile(this.deps.database.db, userId, set)))
      throw new AppError('not_found', 'No such user.');
    return this.me(caller);
  }
}

function requireUser(caller: Caller): string {
  if (!caller.userId || !caller.role) throw new AppError('forbidden', 'Service accounts have no user profile.');
  return caller.userId;
}

function profileFields(profile: ProfileRow | undefined) {
  return {
    display_name: profile?.displayName ?? null,
    avatar_url: profile?.avatarUrl ?? null,
    locale: profile?.locale ?? null,
    timezone: profile?.timezone ?? null,
  };
}
