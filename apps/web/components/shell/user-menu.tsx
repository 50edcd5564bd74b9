'use client';
import { useEffect, useState } from 'react';
import { useMe } from '@/lib/client/queries';
import { bffRaw } from '@/lib/client/bff-fetch';
import { clearActiveRun } from '@/lib/chat/run-storage';
import { rememberWorkspace } from '@/lib/client/known-workspaces';
import { Avatar } from '@/components/ui/avatar';

/** Who is signed in (avatar, name; the workspace on hover), and the sign-out button. */
export function UserMenu() {
  const me = useMe();
  const [leaving, setLeaving] = useState(false);
  // Remembered so the login form can name this workspace when it asks which one to open.
  useEffect(() => {
    if (me.data) rememberWorkspace(me.data.tenant.id, me.data.tenant.name);
  }, [me.data]);
  const logout = async () => {
    setLeaving(true);
    try {
      await bffRaw('/bff/auth/logout', { method: 'POST', allowUnauthenticated: true });
    } finally {
      clearActiveRun();
      window.location.assign('/login');
    }
  };
  const name = me.data?.user.display_name || me.data?.user.email;
  return (
    <div className="flex items-center gap-2">
      {name && <Avatar url={me.data?.user.avatar_url} name={name} />}
      {name && (
        <span
          data-testid="user-name"
          className="hidden max-w-40 truncate text-sm text-zinc-600 dark:text-zinc-400 lg:inline"
          title={me.data?.tenant.name}
        >
          {name}
        </span>
      )}
      <button
        type="button"
        onClick={logout}
        disabled={leaving}
        className="rounded-lg px-2.5 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        {leaving ? 'Signing out…' : 'Sign out'}
      </button>
    </div>
  );
}
