'use client';
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { MESSAGE_MAX_CHARS, type AgentSummary } from '@agentry/contracts';

interface ComposerProps {
  agents: AgentSummary[];
  agent: string;
  onAgentChange: (name: string) => void;
  busy: boolean;
  /** Seconds until sending is allowed again after a 429. */
  retryIn: number;
  onSend: (message: string) => Promise<boolean>;
  onStop: () => void;
}

/** The message box: Enter sends, Shift+Enter adds a line; Stop replaces Send while an answer streams. */
export function Composer({ agents, agent, onAgentChange, busy, retryIn, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const blocked = retryIn > 0;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || busy || blocked) return;
    setText('');
    const sent = await onSend(message);
    if (!sent) setText(message);
    ref.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) void submit(e);
  };

  return (
    <form
      onSubmit={submit}
      className="rounded-2xl border border-zinc-300 bg-white p-2 shadow-sm focus-within:border-brand-500 dark:border-zinc-700 dark:bg-zinc-900"
    >
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
            disabled={!text.trim() || blocked}
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-50"
          >
            {blocked ? `Wait ${retryIn}s` : 'Send'}
          </button>
        )}
      </div>
    </form>
  );
}
