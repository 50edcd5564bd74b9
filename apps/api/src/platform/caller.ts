import type { Role } from '@agentry/contracts';
import { AppError } from './errors.js';

/** The authenticated caller of a request, handed explicitly to services (never read from a global). */
export interface Caller {
  /** `user:<uuid>` or `service:<uuid>`. */
  subject: string;
  userId: string | null;
  serviceAccountId: string | null;
  tenantId: string;
  role: Role | null;
  scopes: string[];
  sessionId: string;
  emailVerified: boolean;
}

/** The principal id a caller's own things (conversations, runs) are owned by: the user, or the service account. */
export function ownerIdOf(caller: Caller): string {
  const id = caller.userId ?? caller.serviceAccountId;
  if (!id) throw new AppError('unauthenticated', 'The caller has no principal.');
  return id;
}

/**
 * The tenant named in a path, when it is the caller's own. The HTTP guard already answers 403
 * `tenant_mismatch` for another tenant's path; services check again so they are safe on their own.
 */
export function ownTenant(caller: Caller, tenantId: string): string {
  if (caller.tenantId !== tenantId)
    throw new AppError('tenant_mismatch', 'The tenant in the path does not match the token tenant.');
  return tenantId;
}
