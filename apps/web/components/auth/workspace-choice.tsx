'use client';
import { useId } from 'react';
import { workspaceLabel, type KnownWorkspaces } from '@/lib/client/known-workspaces';
import { TextField } from '@/components/ui/text-field';

/**
 * Which workspace to sign in to, after the API answered `tenant_required`. The API lists tenant
 * ids only: names come from what this browser remembers, else a short id. When the answer lists
 * nothing, the person types the id (shown when they joined the workspace).
 */
export function WorkspaceChoice({
  ids,
  known,
  preselected,
  error,
}: {
  ids: string[];
  known: KnownWorkspaces;
  preselected: string | null;
  error?: string;
}) {
  const errorId = useId();
  if (ids.length === 0) {
    return (
      <TextField
        label="Workspace ID"
        name="tenant_id"
        required
        defaultValue={preselected ?? ''}
        error={error}
        hint="Your account is in several workspaces. Enter the ID of the one to open (shown when you joined it)."
      />
    );
  }
  return (
    <fieldset
      aria-describedby={error ? errorId : undefined}
      className="rounded-lg border border-zinc-300 p-3 dark:border-zinc-700"
    >
      <legend className="px-1 text-sm font-medium">Which workspace?</legend>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
        Your account is in several workspaces. Names this browser has not seen show as an ID.
      </p>
      <div className="space-y-1.5">
        {ids.map((id) => (
          <label key={id} className="flex items-center gap-2 text-sm">
            <input type="radio" name="tenant_id" value={id} defaultChecked={id === preselected} className="size-4" />
            {workspaceLabel(id, known)}
          </label>
        ))}
      </div>
      {error && (
        <p id={errorId} role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </fieldset>
  );
}
