/**
 * Workspace names this browser has seen, by tenant id (localStorage `agentry.workspaces`).
 *
 * The API's `tenant_required` login answer lists only tenant ids, and there is no endpoint that
 * names a user's tenants before they sign in; so the login form labels ids with the names this
 * browser learnt (the current workspace, and every invitation accepted here) and falls back to
 * the id itself for the others. Names are not secret: the signed-in user saw each of them.
 */
const KEY = 'agentry.workspaces';

export type KnownWorkspaces = Record<string, string>;

export function knownWorkspaces(): KnownWorkspaces {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export function rememberWorkspace(id: string, name: string): void {
  try {
    const all = knownWorkspaces();
    if (all[id] === name) return;
    localStorage.setItem(KEY, JSON.stringify({ ...all, [id]: name }));
  } catch {
    // Private mode or storage full: the login form shows ids instead of names.
  }
}

/** A label for a tenant id: its remembered name, else a short form of the id. */
export function workspaceLabel(id: string, known: KnownWorkspaces = knownWorkspaces()): string {
  return known[id] ?? `Workspace ${id.slice(0, 8)}`;
}
