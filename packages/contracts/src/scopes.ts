/** Roles a tenant membership can hold, strongest first. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER = ['conversations:read', 'tools:read', 'billing:read', 'files:read'] as const;
const MEMBER = [...VIEWER, 'conversations:write', 'conversations:delete', 'files:write'] as const;
const ADMIN = [
  ...MEMBER,
  'members:manage',
  'service_accounts:manage',
  'billing:manage',
  'tools:manage',
  'audit:read',
] as const;
const OWNER = [...ADMIN, 'tenant:manage'] as const;
/** Granted by no role: a user marked as a platform operator gets it in every access token (API.md v1.1). */
export const PLATFORM_OPERATOR_SCOPE = 'platform:operator';

export const ALL_SCOPES = [...OWNER, PLATFORM_OPERATOR_SCOPE] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: OWNER,
  admin: ADMIN,
  member: MEMBER,
  viewer: VIEWER,
};

/** True when `granted` satisfies `required`; `ns:*` satisfies every `ns:…` scope, `*` everything. */
export function scopeSatisfies(granted: readonly string[], required: string): boolean {
  const ns = required.split(':')[0];
  return granted.some((g) => g === required || g === '*' || g === `${ns}:*`);
}

/** A scope string a service account may be given: a known scope or a namespace wildcard. */
export function isKnownScope(scope: string): boolean {
  if ((ALL_SCOPES as readonly string[]).includes(scope)) return true;
  const [ns, rest] = scope.split(':');
  return rest === '*' && ALL_SCOPES.some((s) => s.startsWith(`${ns}:`));
}
