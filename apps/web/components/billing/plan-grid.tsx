'use client';
import type { Plan } from '@agentry/contracts';
import { Button } from '@/components/ui/button';
import { formatDate, formatMoney } from './format';

export type PlanChangeTiming = 'now' | 'period_end';

interface PlanGridProps {
  plans: Plan[];
  currentCode: string | null;
  canManage: boolean;
  disabled: boolean;
  pendingCode: string | null;
  /** Without a subscription: go to Checkout for the plan. */
  onChoose: (code: string) => void;
  /** With a subscription: change plan now (prorated) or at the period end (scheduled). */
  onSwitch?: (code: string, timing: PlanChangeTiming) => void;
  /** When the current period ends, shown on the "at period end" choice. */
  periodEnd?: string | null;
}

/**
 * The plans. Without a subscription each paid plan leads to Checkout; with one, each other plan
 * offers both timings, and says which one a change takes by default (upgrades now, downgrades at the
 * period end) and what each does.
 */
export function PlanGrid({
  plans,
  currentCode,
  canManage,
  disabled,
  pendingCode,
  onChoose,
  onSwitch,
  periodEnd,
}: PlanGridProps) {
  const currentPrice = plans.find((p) => p.code === currentCode)?.price_cents ?? 0;
  return (
    <ul className="grid gap-4 md:grid-cols-3" aria-label="Plans">
      {plans.map((plan) => {
        const current = plan.code === currentCode;
        return (
          <li
            key={plan.code}
            className={`flex flex-col rounded-xl border p-4 ${current ? 'border-brand-500 ring-1 ring-brand-500' : 'border-zinc-200 dark:border-zinc-800'}`}
            data-testid="plan"
          >
            <div className="flex items-center justify-between">
              <h3 className="font-semibold">{plan.name}</h3>
              {current && <span className="rounded-full bg-brand-100 px-2 py-0.5 text-xs text-brand-700">Current</span>}
            </div>
            <p className="mt-1 text-2xl font-semibold">
              {plan.price_cents === 0 ? 'Free' : formatMoney(plan.price_cents, plan.currency)}
              {plan.price_cents > 0 && (
                <span className="text-sm font-normal text-zinc-600 dark:text-zinc-400"> / {plan.interval}</span>
              )}
            </p>
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{plan.description}</p>
            {plan.trial_days > 0 && (
              <p className="mt-1 text-xs text-emerald-700 dark:text-emerald-400">{plan.trial_days}-day free trial</p>
            )}
            <ul className="mt-3 flex-1 space-y-1 text-sm">
              <li>
                {plan.seats_included} seat{plan.seats_included === 1 ? '' : 's'} included
              </li>
              {plan.features.map((f) => (
                <li key={f.key}>
                  <span aria-hidden>✓ </span>
                  {f.display_name}
                  {f.hard_limit !== null && (
                    <span className="text-zinc-600 dark:text-zinc-400"> — up to {f.hard_limit.toLocaleString()}</span>
                  )}
                </li>
              ))}
            </ul>
            {canManage && !current && onSwitch && (
              <div className="mt-4 space-y-2">
                <p className="text-xs text-zinc-600 dark:text-zinc-400">
                  {plan.price_cents > currentPrice
                    ? 'Upgrade: applies now, the difference is prorated on your next invoice.'
                    : `Downgrade: applies when the period ends${periodEnd ? ` (${formatDate(periodEnd)})` : ''}; nothing changes before.`}
                </p>
                <div className="flex flex-wrap gap-2">
                  <Button
                    size="sm"
                    variant={plan.price_cents > currentPrice ? 'primary' : 'secondary'}
                    disabled={disabled}
                    loading={pendingCode === `${plan.code}:now`}
                    onClick={() => onSwitch(plan.code, 'now')}
                  >
                    Switch now
                  </Button>
                  <Button
                    size="sm"
                    variant={plan.price_cents > currentPrice ? 'secondary' : 'primary'}
                    disabled={disabled}
                    loading={pendingCode === `${plan.code}:period_end`}
                    onClick={() => onSwitch(plan.code, 'period_end')}
                  >
                    Switch at period end
                  </Button>
                </div>
              </div>
            )}
            {canManage && !current && !onSwitch && plan.price_cents > 0 && (
              <Button
                className="mt-4"
                disabled={disabled}
                loading={pendingCode === plan.code}
                onClick={() => onChoose(plan.code)}
              >
                Choose {plan.name}
              </Button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
