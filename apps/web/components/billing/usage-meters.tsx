'use client';
import type { UsageResponse } from '@agentry/contracts';
import { EmptyState } from '@/components/ui/feedback';
import { formatDate, humanizeKey } from './format';

/** One bar per feature: used against the hard limit, amber past the soft limit, red at the hard one. */
export function UsageMeters({ usage, names }: { usage: UsageResponse; names: Record<string, string> }) {
  if (usage.items.length === 0)
    return <EmptyState title="No usage yet">Usage appears here once you start chatting.</EmptyState>;
  return (
    <div className="space-y-4">
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Period {formatDate(usage.period_start)} – {formatDate(usage.period_end)}
      </p>
      {usage.items.map((item) => {
        const limit = item.hard_limit;
        const pct = limit ? Math.min(100, Math.round((item.used / limit) * 100)) : 0;
        const over = limit !== null && item.used >= limit;
        const soft = item.soft_limit !== null && item.used >= item.soft_limit;
        const color = over ? 'bg-red-600' : soft ? 'bg-amber-500' : 'bg-brand-600';
        const label = names[item.feature_key] ?? humanizeKey(item.feature_key);
        return (
          <div key={item.feature_key} data-testid="usage-meter">
            <div className="mb-1 flex justify-between text-sm">
              <span className="font-medium">{label}</span>
              <span className="tabular-nums text-zinc-600 dark:text-zinc-400">
                {item.used.toLocaleString()} {limit !== null ? `of ${limit.toLocaleString()}` : '(unlimited)'}
              </span>
            </div>
            <div
              role="progressbar"
              aria-label={label}
              aria-valuemin={0}
              aria-valuemax={limit ?? undefined}
              aria-valuenow={item.used}
              className="h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
            >
              <div className={`h-full ${color}`} style={{ width: `${limit ? pct : 0}%` }} />
            </div>
            {over && (
              <p className="mt-1 text-xs text-red-700 dark:text-red-400">Limit reached: upgrade to keep going.</p>
            )}
            {!over && soft && <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">Approaching the limit.</p>}
          </div>
        );
      })}
    </div>
  );
}
