'use client';
import Link from 'next/link';
import { usePendingApprovals } from '@/lib/client/queries';
import { describeError } from '@/lib/client/api-error';
import { Alert, Skeleton } from '@/components/ui/feedback';
import { ApprovalCard } from '@/components/chat/approval-card';

/** Every tool call of the user's runs waiting for a decision, with a link to its conversation. */
export function ApprovalsList() {
  const pending = usePendingApprovals(null);
  const items = pending.data?.items ?? [];
  return (
    <div className="mx-auto max-w-3xl space-y-4 px-3 py-6 sm:px-6">
      <h1 className="text-xl font-semibold">Approvals</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Tool calls your agents want to make. Each run waits until you approve or reject its calls.
      </p>
      {pending.isPending && <Skeleton className="h-24 w-full" />}
      {pending.isError && <Alert tone="error">{describeError(pending.error)}</Alert>}
      {pending.data && items.length === 0 && <p className="text-sm">Nothing is waiting for your approval.</p>}
      <ul className="space-y-4">
        {items.map((a) => (
          <li key={a.approval_id} className="space-y-1">
            <ApprovalCard runId={a.run_id} approvalId={a.approval_id} name={a.name} args={a.arguments} pending />
            <Link href={`/c/${a.conversation_id}`} className="text-sm text-brand-700 underline dark:text-brand-300">
              Open the conversation
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
