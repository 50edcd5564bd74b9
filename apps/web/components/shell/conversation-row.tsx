'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ConversationSummary } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { keys } from '@/lib/client/queries';
import { describeError } from '@/lib/client/api-error';
import { useToast } from '@/components/ui/toaster';

type Mode = 'view' | 'rename' | 'confirm-delete';

/** One conversation in the sidebar, renamed in place and deleted after a confirmation. */
export function ConversationRow({ conversation, active }: { conversation: ConversationSummary; active: boolean }) {
  const [mode, setMode] = useState<Mode>('view');
  const [title, setTitle] = useState(conversation.title);
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();

  const rename = useMutation({
    mutationFn: (next: string) =>
      api.patch('/conversations/:id', { params: { id: conversation.id }, body: { title: next } }),
    onSuccess: () => {
      setMode('view');
      void queryClient.invalidateQueries({ queryKey: keys.conversationsAll });
      void queryClient.invalidateQueries({ queryKey: keys.conversation(conversation.id) });
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/conversations/:id', { params: { id: conversation.id } }),
    onSuccess: () => {
      toast('Conversation deleted', 'success');
      void queryClient.invalidateQueries({ queryKey: keys.conversationsAll });
      if (active) router.push('/');
    },
    onError: (error) => toast(describeError(error), 'error'),
  });

  if (mode === 'rename') {
    return (
      <li>
        <form
          className="flex gap-1 p-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim()) rename.mutate(title.trim());
          }}
        >
          <label htmlFor={`rename-${conversation.id}`} className="sr-only">
            New title
          </label>
          <input
            id={`rename-${conversation.id}`}
            // biome-ignore lint/a11y/noAutofocus: the user asked to rename; the field they asked for takes focus
            autoFocus
            value={title}
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setMode('view')}
            className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
          />
          <button
            type="submit"
            className="rounded px-2 text-sm font-medium text-brand-700 dark:text-brand-100"
            disabled={rename.isPending}
          >
            Save
          </button>
        </form>
      </li>
    );
  }

  return (
    <li className="group relative">
      <Link
        href={`/c/${conversation.id}`}
        aria-current={active ? 'page' : undefined}
        className="block rounded-lg px-3 py-2 pr-16 hover:bg-zinc-200 aria-[current=page]:bg-zinc-200 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800"
      >
        <span className="block truncate text-sm font-medium">{conversation.title || 'Untitled'}</span>
        {conversation.last_message_preview && (
          <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
            {conversation.last_message_preview}
          </span>
        )}
      </Link>
      {mode === 'confirm-delete' ? (
        // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form; a fieldset would bring form styling
        <div className="flex items-center justify-end gap-1 px-2 pb-2 text-xs" role="group" aria-label="Confirm delete">
          <span className="mr-auto">Delete this conversation?</span>
          <button
            type="button"
            // biome-ignore lint/a11y/noAutofocus: the confirmation the user just asked for takes focus
            autoFocus
            onClick={() => remove.mutate()}
            className="rounded bg-red-600 px-2 py-1 text-white"
          >
            Delete
          </button>
          <button
            type="button"
            onClick={() => setMode('view')}
            className="rounded px-2 py-1 hover:bg-zinc-200 dark:hover:bg-zinc-800"
          >
            Cancel
          </button>
        </div>
      ) : (
        <div className="absolute right-1 top-1.5 flex opacity-100 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100">
          <button
            type="button"
            onClick={() => setMode('rename')}
            aria-label={`Rename ${conversation.title}`}
            className="rounded p-1.5 text-xs hover:bg-zinc-300 dark:hover:bg-zinc-700"
          >
            ✎
          </button>
          <button
            type="button"
            onClick={() => setMode('confirm-delete')}
            aria-label={`Delete ${conversation.title}`}
            className="rounded p-1.5 text-xs hover:bg-zinc-300 dark:hover:bg-zinc-700"
          >
            <svg
              aria-hidden
              viewBox="0 0 16 16"
              className="size-3.5"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.5"
            >
              <path d="M3 4h10M6 4V2.5h4V4M4.5 4l.7 9.5h5.6l.7-9.5" />
            </svg>
          </button>
        </div>
      )}
    </li>
  );
}
