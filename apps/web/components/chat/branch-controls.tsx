'use client';
import { useState } from 'react';
import type { Message } from '@agentry/contracts';
import { Button } from '@/components/ui/button';

const iconButton =
  'rounded p-1 text-sm text-zinc-500 hover:bg-zinc-100 disabled:cursor-not-allowed disabled:opacity-40 dark:hover:bg-zinc-800';

/** `‹ 2/3 ›`: the versions of a message (its siblings); a click makes that version's branch current. */
export function BranchSwitcher({
  message,
  onSwitch,
  disabled,
}: {
  message: Message;
  onSwitch: (messageId: string) => void;
  disabled?: boolean;
}) {
  if (message.branch_count < 2) return null;
  const go = (id: string | null) => id && onSwitch(id);
  return (
    <span
      className="inline-flex items-center gap-0.5 text-xs text-zinc-600 dark:text-zinc-400"
      data-testid="branch-switcher"
    >
      <button
        type="button"
        className={iconButton}
        aria-label="Previous version"
        disabled={disabled || !message.previous_sibling_id}
        onClick={() => go(message.previous_sibling_id)}
      >
        ‹
      </button>
      <span>
        <span aria-hidden>
          {message.branch_index}/{message.branch_count}
        </span>
        <span className="sr-only">
          Version {message.branch_index} of {message.branch_count}
        </span>
      </span>
      <button
        type="button"
        className={iconButton}
        aria-label="Next version"
        disabled={disabled || !message.next_sibling_id}
        onClick={() => go(message.next_sibling_id)}
      >
        ›
      </button>
    </span>
  );
}

/** The pencil on a user message: edits it inline and sends the new version (a new branch). */
export function EditableQuestion({
  message,
  onSubmit,
  disabled,
  children,
}: {
  message: Message;
  onSubmit: (text: string) => Promise<boolean>;
  disabled?: boolean;
  children: React.ReactNode;
}) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(message.content);
  if (!editing)
    return (
      <div className="group flex items-center justify-end gap-1">
        <button
          type="button"
          className={iconButton}
          aria-label="Edit message"
          disabled={disabled}
          onClick={() => {
            setText(message.content);
            setEditing(true);
          }}
        >
          <PencilIcon />
        </button>
        {children}
      </div>
    );
  return (
    <form
      className="ml-auto flex max-w-[85%] flex-col gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        const value = text.trim();
        if (!value) return;
        if (await onSubmit(value)) setEditing(false);
      }}
    >
      <textarea
        aria-label="Edit your message"
        className="min-h-20 w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        value={text}
        maxLength={32000}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="flex justify-end gap-2">
        <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
          Cancel
        </Button>
        <Button size="sm" type="submit" disabled={disabled || !text.trim()}>
          Send edit
        </Button>
      </div>
    </form>
  );
}

function PencilIcon() {
  return (
    <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="size-4">
      <path d="M13.6 3.3a1.5 1.5 0 0 1 2.1 0l1 1a1.5 1.5 0 0 1 0 2.1l-9 9-3.6.9.9-3.6 9-9.4Z" />
    </svg>
  );
}
