import type { AcceptInvitationResponse } from '@agentry/contracts';
import { ApiError } from './api-error';
import { api } from './api';
import { bffRaw } from './bff-fetch';
import { clearActiveRun } from '@/lib/chat/run-storage';
import { rememberWorkspace } from './known-workspaces';

/** The link invitation e-mails carry (the API builds `<web>/signup?invite=<token>`). */
export function invitationLink(origin: string, token: string): string {
  return `${origin}/signup?invite=${encodeURIComponent(token)}`;
}

/** Accepts either the bare code from the e-mail or the whole link, and returns the code. */
export function invitationCode(input: string): string {
  const text = input.trim();
  const match = /[?&]invite=([^&#\s]+)/.exec(text);
  if (!match) return text;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

export async function acceptInvitation(token: string): Promise<AcceptInvitationResponse> {
  const joined = await api.post('/tenants/invitations/accept', { body: { token } });
  rememberWorkspace(joined.tenant.id, joined.tenant.name);
  return joined;
}

/** What went wrong with an invitation, said so the person knows what to do next. */
export function describeInvitationError(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 404)
    return 'This invitation was sent to another e-mail address. Sign in with that address to accept it.';
  if (error.code === 'invalid_token') return 'This invitation is invalid, already used or expired. Ask for a new one.';
  if (error.status === 409) return 'You are already a member of this workspace.';
  return null;
}

/**
 * A session belongs to one tenant and the API has no call to move it to another, so switching is
 * signing out and signing in again with the tenant's id (`/login?tenant=<id>`).
 */
export async function switchToWorkspace(tenantId: string): Promise<void> {
  try {
    await bffRaw('/bff/auth/logout', { method: 'POST', allowUnauthenticated: true });
  } finally {
    clearActiveRun();
    window.location.assign(`/login?tenant=${encodeURIComponent(tenantId)}`);
  }
}
