'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

/** Share (public links: create, copy, revoke) and export (Markdown, JSON) for one conversation. */
export function ConversationActions({ conversationId }: { conversationId: string }) {
  const [open, setOpen] = useState(false);
  const params = { id: conversationId };
  return (
    <div className="space-y-2">
      <div className="flex items-center justify-end gap-2">
        <Button size="sm" variant="secondary" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          Share
        </Button>
        <details className="relative">
          <summary className="cursor-pointer list-none rounded-lg px-2.5 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
            Export
          </summary>
          <div className="absolute right-0 z-10 mt-1 w-44 rounded-lg border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
            {(['markdown', 'json'] as const).map((format) => (
              <a
                key={format}
                download
                href={api.downloadUrl('/conversations/:id/export', { params, query: { format } })}
                className="block rounded px-2 py-1.5 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
              >
                {format === 'markdown' ? 'Markdown (.md)' : 'JSON (.json)'}
              </a>
            ))}
          </div>
        </details>
      </div>
      {open && <ShareDialog conversationId={conversationId} onClose={() => setOpen(false)} />}
    </div>
  );
}

function ShareDialog({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const params = { id: conversationId };
  const key = ['conversation-shares', conversationId];
  const shares = useQuery({ queryKey: key, queryFn: () => api.get('/conversations/:id/shares', { params }) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const create = useMutation({
    mutationFn: () => api.post('/conversations/:id/shares', { params }),
    onSuccess: refresh,
    onError: (error) => toast(describeError(error), 'error'),
  });
  const revoke = useMutation({
    mutationFn: (shareId: string) =>
      api.delete('/conversations/:id/shares/:share_id', { params: { id: conversationId, share_id: shareId } }),
    onSuccess: () => {
      toast('Link revoked.', 'success');
      return refresh();
    },
    onError: (error) => toast(describeError(error), 'error'),
  });
  const linkOf = (path: string) => `${window.location.origin}${path}`;

  return (
    <div
      role="dialog"
      aria-label="Share conversation"
      className="ml-auto w-full max-w-md space-y-3 rounded-xl border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Anyone with a link sees this conversation as it is now. Later messages stay private.
      </p>
      <ul className="space-y-2" aria-label="Share links">
        {shares.data?.items.map((s) => (
          <li key={s.id} className="flex items-center gap-2">
            <input
              readOnly
              aria-label="Share link"
              value={linkOf(s.path)}
              className="min-w-0 flex-1 rounded border border-zinc-300 bg-zinc-50 px-2 py-1 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-950"
            />
            <Button
              size="sm"
              variant="secondary"
              onClick={() => navigator.clipboard.writeText(linkOf(s.path)).then(() => toast('Link copied.', 'success'))}
            >
              Copy
            </Button>
            <Button size="sm" variant="danger" onClick={() => revoke.mutate(s.id)} loading={revoke.isPending}>
              Revoke
            </Button>
          </li>
        ))}
      </ul>
      <div className="flex justify-between">
        <Button size="sm" onClick={() => create.mutate()} loading={create.isPending}>
          Create link
        </Button>
        <Button size="sm" variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </div>
  );
}
