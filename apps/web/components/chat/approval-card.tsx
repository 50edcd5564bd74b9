'use client';
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { describeError } from '@/lib/client/api-error';
import { keys } from '@/lib/client/queries';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toaster';

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * A tool call waiting for the user's decision: the tool, its arguments, Approve / Reject (with an
 * optional message). `pending` false shows it as decided (the run goes on without it).
 */
export function ApprovalCard({
  runId,
  approvalId,
  name,
  args,
  pending,
}: {
  runId: string | null;
  approvalId: string;
  name: string;
  args: string;
  pending: boolean;
}) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const [decided, setDecided] = useState<'approve' | 'reject' | null>(null);

  const decide = async (decision: 'approve' | 'reject') => {
    if (!runId) return;
    setBusy(decision);
    try {
      await api.post('/chat/runs/:run_id/approvals/:approval_id', {
        params: { run_id: runId, approval_id: approvalId },
        body: { decision, ...(message.trim() ? { message: message.trim() } : {}) },
      });
      setDecided(decision);
    } catch (error) {
      toast(describeError(error), 'error');
    } finally {
      setBusy(null);
      void queryClient.invalidateQueries({ queryKey: keys.approvalsAll });
    }
  };

  const open = pending && !decided;
  return (
    <section
      aria-label={`Approval for ${name}`}
      data-testid="approval-card"
      className="space-y-2 rounded-lg border border-amber-400/60 bg-amber-50 px-3 py-3 text-sm dark:bg-amber-500/10"
    >
      <p className="font-medium">
        The agent wants to use <span className="font-mono">{name}</span>
      </p>
      <div>
        <p className="text-xs font-medium text-zinc-600 dark:text-zinc-400">Arguments</p>
        <pre className="overflow-x-auto rounded bg-white/70 p-2 font-mono text-xs dark:bg-zinc-900">
          {prettyJson(args)}
        </pre>
      </div>
      {open ? (
        <>
          <label className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
            Message (optional)
            <input
              type="text"
              value={message}
              maxLength={2000}
              onChange={(e) => setMessage(e.target.value)}
              className="mt-1 block w-full rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-600 dark:bg-zinc-900"
            />
          </label>
          <div className="flex gap-2">
            <Button size="sm" onClick={() => decide('approve')} loading={busy === 'approve'} disabled={busy !== null}>
              Approve
            </Button>
            <Button
              size="sm"
              variant="secondary"
              onClick={() => decide('reject')}
              loading={busy === 'reject'}
              disabled={busy !== null}
            >
              Reject
            </Button>
          </div>
        </>
      ) : (
        <p role="status" className="text-xs text-zinc-600 dark:text-zinc-400">
          {decided === 'approve' ? 'Approved.' : decided === 'reject' ? 'Rejected.' : 'Decided.'}
        </p>
      )}
    </section>
  );
}
