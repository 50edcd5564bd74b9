'use client';
import { useEffect, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import {
  MESSAGE_MAX_ATTACHMENTS,
  MESSAGE_MAX_CHARS,
  type AgentSummary,
  type MessageAttachment,
} from '@agentry/contracts';
import {
  PendingAttachments,
  toMessageAttachment,
  uploadAttachment,
  type AttachmentUploader,
  type PendingAttachment,
} from './attachments';

interface ComposerProps {
  agents: AgentSummary[];
  agent: string;
  onAgentChange: (name: string) => void;
  busy: boolean;
  /** Seconds until sending is allowed again after a 429. */
  retryIn: number;
  onSend: (message: string, attachments: MessageAttachment[]) => Promise<boolean>;
  onStop: () => void;
  /** How picked files are uploaded (tests pass their own). */
  upload?: AttachmentUploader;
}

let nextKey = 0;

/**
 * The message box: Enter sends, Shift+Enter adds a line; Stop replaces Send while an answer streams.
 * Files come with the 📎 button or dropped on the box: each uploads at once (purpose `attachment`)
 * and is sent with the message as `attachments` once ready.
 */
export function Composer({
  agents,
  agent,
  onAgentChange,
  busy,
  retryIn,
  onSend,
  onStop,
  upload = uploadAttachment,
}: ComposerProps) {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<PendingAttachment[]>([]);
  const [dragging, setDragging] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const blocked = retryIn > 0;
  const uploading = files.some((f) => f.status === 'uploading');
  const ready = files.filter((f) => f.status === 'ready' && f.file);

  // Previews are object URLs: released when the composer goes away.
  const previews = useRef(new Set<string>());
  useEffect(
    () => () => {
      for (const url of previews.current) URL.revokeObjectURL(url);
    },
    [],
  );

  const patch = (key: string, change: Partial<PendingAttachment>) =>
    setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...change } : f)));
  const add = (picked: File[]) => {
    const room = MESSAGE_MAX_ATTACHMENTS - files.length;
    for (const file of picked.slice(0, Math.max(0, room))) {
      const key = `a${nextKey++}`;
      const previewUrl = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
      if (previewUrl) previews.current.add(previewUrl);
      setFiles((all) => [
        ...all,
        { key, name: file.name, previewUrl, status: 'uploading', progress: 0, file: null, error: null },
      ]);
      upload(file, (progress) => patch(key, { progress })).then(
        (stored) => patch(key, { status: 'ready', progress: 1, file: stored }),
        (error: unknown) =>
          patch(key, { status: 'failed', error: error instanceof Error ? error.message : 'Upload failed.' }),
      );
    }
  };
  const remove = (key: string) =>
    setFiles((all) => {
      const gone = all.find((f) => f.key === key);
      if (gone?.previewUrl) {
        URL.revokeObjectURL(gone.previewUrl);
        previews.current.delete(gone.previewUrl);
      }
      return all.filter((f) => f.key !== key);
    });

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || busy || blocked || uploading) return;
    const kept = files;
    setText('');
    setFiles([]);
    const sent = await onSend(
      message,
      ready.map((f) => toMessageAttachment(f.file!)),
    );
    if (!sent) {
      setText(message);
      setFiles(kept);
    } else for (const f of kept) if (f.previewUrl) URL.revokeObjectURL(f.previewUrl);
    ref.current?.focus();
  };
  const onDrop = (e: DragEvent<HTMLFormElement>) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length) add([...e.dataTransfer.files]);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) void submit(e);
  };

  return (
    <form
      onSubmit={submit}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="composer"
      className={`rounded-2xl border bg-white p-2 shadow-sm focus-within:border-brand-500 dark:bg-zinc-900 ${
        dragging ? 'border-brand-500 ring-2 ring-brand-500/40' : 'border-zinc-300 dark:border-zinc-700'
      }`}
    >
      <PendingAttachments items={files} onRemove={remove} />
      {dragging && <p className="px-2 text-xs text-brand-700 dark:text-brand-100">Drop files to attach them</p>}
      <label htmlFor="chat-message" className="sr-only">
        Message
      </label>
      <textarea
        id="chat-message"
        ref={ref}
        rows={2}
        value={text}
        maxLength={MESSAGE_MAX_CHARS}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask anything — try “I have a bug in my TypeScript function” or “what time is it?”"
        className="block max-h-48 w-full resize-none bg-transparent px-2 py-1 text-sm outline-none placeholder:text-zinc-500"
      />
      <div className="mt-1 flex flex-wrap items-center gap-2">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="attach-input"
          onChange={(e) => {
            add([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          onClick={() => picker.current?.click()}
          disabled={files.length >= MESSAGE_MAX_ATTACHMENTS}
          aria-label="Attach files"
          title="Attach files (images, text, Markdown, PDF, DOCX…)"
          className="rounded-md px-1.5 py-1 text-sm text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800"
        >
          📎
        </button>
        <label htmlFor="agent-picker" className="text-xs text-zinc-600 dark:text-zinc-400">
          Agent
        </label>
        <select
          id="agent-picker"
          value={agent}
          onChange={(e) => onAgentChange(e.target.value)}
          disabled={busy}
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-950"
        >
          {agents.length === 0 && <option value="triage">Triage</option>}
          {agents.map((a) => (
            <option key={a.name} value={a.name}>
              {a.display_name}
            </option>
          ))}
        </select>
        <span className="ml-auto text-xs text-zinc-500" aria-live="polite">
          {blocked ? `Rate limited — try again in ${retryIn}s` : ''}
        </span>
        {busy ? (
          <button
            type="button"
            onClick={onStop}
            className="rounded-lg border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-600 dark:hover:bg-zinc-800"
          >
            ■ Stop
          </button>
        ) : (
          <button
            type="submit"
            disabled={!text.trim() || blocked || uploading}
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-50"
          >
            {blocked ? `Wait ${retryIn}s` : 'Send'}
          </button>
        )}
      </div>
    </form>
  );
}
