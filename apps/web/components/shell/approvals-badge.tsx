'use client';
import Link from 'next/link';
import { usePendingApprovals } from '@/lib/client/queries';

/** The count of the user's tool calls waiting for approval, linking to the list. Hidden at zero. */
export function ApprovalsBadge() {
  const pending = usePendingApprovals(null, { refetchIntervalMs: 15_000 });
  const count = pending.data?.items.length ?? 0;
  if (!count) return null;
  return (
    <Link
      href="/approvals"
      data-testid="approvals-badge"
      aria-label={`${count} pending approval${count === 1 ? '' : 's'}`}
      className="flex items-center gap-1 whitespace-nowrap rounded-lg bg-amber-100 px-2.5 py-1.5 text-sm font-medium text-amber-900 hover:bg-amber-200 dark:bg-amber-500/20 dark:text-amber-100"
    >
      Approvals <span className="rounded-full bg-amber-500 px-1.5 text-xs text-white">{count}</span>
    </Link>
  );
}
