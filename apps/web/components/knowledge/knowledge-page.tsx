'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FileObject, KnowledgeHit } from '@agentry/contracts';
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { api, apiUrl } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { Alert, EmptyState } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';
import { uploadFile } from './upload';

const ACCEPT = '.txt,.md,.markdown,.csv,.json,.html,.htm,.pdf,.docx';
const filesKey = ['files', 'knowledge'] as const;

interface Upload {
  key: string;
  name: string;
  progress: number;
  error: string | null;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function StatusBadge({ file }: { file: FileObject }) {
  const tone =
    file.status === 'ready'
      ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-500/20 dark:text-emerald-100'
      : file.status === 'failed'
        ? 'bg-red-100 text-red-900 dark:bg-red-500/20 dark:text-red-100'
        : 'bg-amber-100 text-amber-900 dark:bg-amber-500/20 dark:text-amber-100';
  return (
    <span data-testid="file-status" className={`rounded-full px-2 py-0.5 text-xs ${tone}`}>
      {file.status}
    </span>
  );
}

/** The tenant's knowledge: drop files in (a progress bar each), watch them index, search, delete. */
export function KnowledgePage() {
  const client = useQueryClient();
  const inputRef = useRef<HTMLInputElement>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<KnowledgeHit[] | null>(null);

  const files = useQuery({
    queryKey: filesKey,
    queryFn: () => api.get('/files', { query: { purpose: 'knowledge', limit: 100 } }),
    // Poll while a file is still being indexed.
    refetchInterval: (q) => (q.state.data?.items.some((f) => f.status === 'processing') ? 1000 : false),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete('/files/:id', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: filesKey }),
  });
  const search = useMutation({
    mutationFn: (q: string) => api.post('/knowledge/search', { body: { query: q, limit: 8 } }),
    onSuccess: (res) => setHits(res.items),
  });

  function start(list: FileList | File[]) {
    for (const file of Array.from(list)) {
      const key = `${file.name}-${file.size}-${Math.random().toString(36).slice(2)}`;
      setUploads((u) => [...u, { key, name: file.name, progress: 0, error: null }]);
      const update = (patch: Partial<Upload>) =>
        setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
      uploadFile(file, (progress) => update({ progress }))
        .then(() => {
          setUploads((u) => u.filter((x) => x.key !== key));
          void client.invalidateQueries({ queryKey: filesKey });
        })
        .catch((err: Error) => update({ error: err.message }));
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) start(e.dataTransfer.files);
  }

  function onSearch(e: FormEvent) {
    e.preventDefault();
    if (query.trim()) search.mutate(query.trim());
  }

  return (
    <div className="mx-auto max-w-4xl space-y-8 p-4 sm:p-6">
      <header>
        <h1 className="text-2xl font-semibold">Knowledge</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Files your agents can search. In chat, ask “… in my files” to have them answer from these.
        </p>
      </header>

      <section aria-labelledby="upload-heading" className="space-y-3">
        <h2 id="upload-heading" className="sr-only">
          Upload
        </h2>
        {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; keyboard users have the "Choose files" button inside it */}
        <div
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={`rounded-xl border-2 border-dashed p-8 text-center text-sm ${dragging ? 'border-brand-500 bg-brand-50 dark:bg-brand-500/10' : 'border-zinc-300 dark:border-zinc-700'}`}
        >
          <p>Drop PDF, Word, Markdown, text, CSV, JSON or HTML files here</p>
          <p className="mt-2">
            <Button variant="secondary" size="sm" onClick={() => inputRef.current?.click()}>
              Choose files
            </Button>
          </p>
          <input
            ref={inputRef}
            data-testid="file-input"
            type="file"
            multiple
            accept={ACCEPT}
            className="sr-only"
            aria-label="Files to upload"
            onChange={(e) => {
              if (e.target.files?.length) start(e.target.files);
              e.target.value = '';
            }}
          />
        </div>
        {uploads.length > 0 && (
          <ul className="space-y-2" aria-label="Uploads in progress">
            {uploads.map((u) => (
              <li key={u.key} className="text-sm">
                <div className="flex justify-between gap-2">
                  <span className="truncate">{u.name}</span>
                  <span>{u.error ? 'failed' : `${Math.round(u.progress * 100)}%`}</span>
                </div>
                <progress className="h-2 w-full" max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
                {u.error && <p className="text-red-700 dark:text-red-300">{u.error}</p>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="files-heading" className="space-y-3">
        <h2 id="files-heading" className="text-lg font-semibold">
          Files
        </h2>
        {files.error ? (
          <Alert tone="error">{describeError(files.error)}</Alert>
        ) : !files.data ? (
          <p className="text-sm text-zinc-600">Loading files…</p>
        ) : files.data.items.length === 0 ? (
          <EmptyState title="No files yet">Upload documents above; agents can then search them.</EmptyState>
        ) : (
          <ul className="divide-y divide-zinc-200 rounded-xl border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {files.data.items.map((f) => (
              <li key={f.id} data-testid="file-row" className="flex flex-wrap items-center gap-3 p-3 text-sm">
                <a
                  href={apiUrl('/files/:id/content', { id: f.id })}
                  className="min-w-0 flex-1 truncate font-medium hover:underline"
                >
                  {f.filename}
                </a>
                <span className="text-zinc-500">{formatBytes(f.size_bytes)}</span>
                {f.status === 'ready' && <span className="text-zinc-500">{f.chunk_count} chunks</span>}
                <StatusBadge file={f} />
                {f.error && <span className="w-full text-red-700 dark:text-red-300">{f.error}</span>}
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Delete ${f.filename}`}
                  loading={remove.isPending && remove.variables === f.id}
                  onClick={() => remove.mutate(f.id)}
                >
                  Delete
                </Button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="search-heading" className="space-y-3">
        <h2 id="search-heading" className="text-lg font-semibold">
          Search
        </h2>
        <form onSubmit={onSearch} className="flex gap-2">
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search your files"
            aria-label="Search your files"
            className="min-w-0 flex-1 rounded-lg border border-zinc-300 px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <Button type="submit" loading={search.isPending}>
            Search
          </Button>
        </form>
        {search.error && <Alert tone="error">{describeError(search.error)}</Alert>}
        {hits && hits.length === 0 && <p className="text-sm text-zinc-600">Nothing found.</p>}
        {hits && hits.length > 0 && (
          <ol className="space-y-2" aria-label="Search results">
            {hits.map((h) => (
              <li key={h.chunk_id} className="rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800">
                <p className="font-medium">
                  {h.filename}
                  {h.page ? `, page ${h.page}` : ''}
                </p>
                <p className="mt-1 line-clamp-4 text-zinc-700 dark:text-zinc-300">{h.text}</p>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
