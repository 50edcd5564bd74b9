'use client';
import type { FileObject, MessageAttachment } from '@agentry/contracts';
import { api } from '@/lib/client/api';
import { uploadFile } from '@/components/knowledge/upload';

/** Where the browser reads a stored file (through the BFF, with the session cookie). */
export const fileContentUrl = (fileId: string) => `/bff/api/files/${encodeURIComponent(fileId)}/content`;

const isImage = (contentType: string) => contentType.startsWith('image/');

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The files a sent message carried: image thumbnails and file chips, each a link to the file. */
export function MessageAttachments({ files, align = 'end' }: { files: MessageAttachment[]; align?: 'start' | 'end' }) {
  if (!files.length) return null;
  return (
    <ul
      aria-label="Attachments"
      className={`flex flex-wrap gap-2 ${align === 'end' ? 'justify-end' : 'justify-start'}`}
    >
      {files.map((f) => (
        <li key={f.file_id} data-testid="message-attachment">
          <a
            href={fileContentUrl(f.file_id)}
            title={`${f.filename} (${formatSize(f.size_bytes)})`}
            className="flex items-center gap-2 rounded-lg border border-zinc-200 bg-white px-2 py-1 text-xs text-zinc-800 hover:border-brand-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200"
          >
            {isImage(f.content_type) ? (
              // biome-ignore lint/performance/noImgElement: a user's file through the BFF, not a static asset
              <img src={fileContentUrl(f.file_id)} alt={f.filename} className="size-10 rounded object-cover" />
            ) : (
              <span aria-hidden>📄</span>
            )}
            <span className="max-w-40 truncate">{f.filename}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

/** A file picked in the composer: uploading, ready to send (with its stored file), or refused. */
export interface PendingAttachment {
  key: string;
  name: string;
  /** An object URL for an image's thumbnail (revoked when removed). */
  previewUrl: string | null;
  status: 'uploading' | 'ready' | 'failed';
  progress: number;
  file: FileObject | null;
  error: string | null;
}

/** Uploads one attachment and waits until the API can send it (documents are extracted first). */
export type AttachmentUploader = (file: File, onProgress: (fraction: number) => void) => Promise<FileObject>;

export const uploadAttachment: AttachmentUploader = async (file, onProgress) => {
  let stored = await uploadFile(file, onProgress, 'attachment');
  const deadline = Date.now() + 60_000;
  while (stored.status === 'processing' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    stored = await api.get('/files/:id', { params: { id: stored.id } });
  }
  if (stored.status === 'failed') throw new Error(stored.error ?? 'The file could not be read.');
  if (stored.status !== 'ready') throw new Error('The file is still being processed; try again shortly.');
  return stored;
};

export const toMessageAttachment = (f: FileObject): MessageAttachment => ({
  file_id: f.id,
  filename: f.filename,
  content_type: f.content_type,
  size_bytes: f.size_bytes,
});

/** The composer's picked files: thumbnails or chips, progress, errors, and a remove button each. */
export function PendingAttachments({
  items,
  onRemove,
}: {
  items: PendingAttachment[];
  onRemove: (key: string) => void;
}) {
  if (!items.length) return null;
  return (
    <ul aria-label="Files to send" className="mb-1 flex flex-wrap gap-2 px-1">
      {items.map((a) => (
        <li
          key={a.key}
          data-testid="pending-attachment"
          data-status={a.status}
          className={`flex items-center gap-2 rounded-lg border px-2 py-1 text-xs ${
            a.status === 'failed'
              ? 'border-red-400 text-red-800 dark:text-red-200'
              : 'border-zinc-200 text-zinc-800 dark:border-zinc-700 dark:text-zinc-200'
          }`}
        >
          {a.previewUrl ? (
            // biome-ignore lint/performance/noImgElement: a local object URL preview
            <img src={a.previewUrl} alt="" className="size-8 rounded object-cover" />
          ) : (
            <span aria-hidden>📄</span>
          )}
          <span className="max-w-40 truncate">{a.name}</span>
          {a.status === 'uploading' && (
            <progress className="h-1 w-12" max={1} value={a.progress} aria-label={`Uploading ${a.name}`} />
          )}
          {a.status === 'failed' && <span role="alert">{a.error}</span>}
          <button
            type="button"
            onClick={() => onRemove(a.key)}
            aria-label={`Remove ${a.name}`}
            className="rounded px-1 text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The files file_search cited in an answer (from its tool calls' output), each linked to the file. */
export function citedFiles(toolCalls: { name: string; output: string | null }[]): { fileId: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const call of toolCalls) {
    if (call.name !== 'file_search' || !call.output) continue;
    let results: { file_id?: unknown; filename?: unknown; page?: unknown }[] = [];
    try {
      const parsed = JSON.parse(call.output) as { results?: unknown };
      results = Array.isArray(parsed.results) ? parsed.results : [];
    } catch {
      results = [];
    }
    for (const r of results) {
      if (typeof r.file_id !== 'string' || typeof r.filename !== 'string' || seen.has(r.file_id)) continue;
      seen.set(r.file_id, typeof r.page === 'number' ? `${r.filename}, page ${r.page}` : r.filename);
    }
  }
  return [...seen].map(([fileId, label]) => ({ fileId, label }));
}

/** "Sources": the files an answer's file_search found, each a link to the file. */
export function FileSources({ toolCalls }: { toolCalls: { name: string; output: string | null }[] }) {
  const cited = citedFiles(toolCalls);
  if (!cited.length) return null;
  return (
    <p className="flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400" data-testid="sources">
      <span>Sources:</span>
      {cited.map((c) => (
        <a
          key={c.fileId}
          href={fileContentUrl(c.fileId)}
          className="rounded border border-zinc-200 px-1.5 py-0.5 font-medium text-brand-700 hover:underline dark:border-zinc-700 dark:text-brand-100"
        >
          {c.label}
        </a>
      ))}
    </p>
  );
}
