'use client';
import type { ReactNode } from 'react';
import { hasScope, useMe } from '@/lib/client/queries';
import { Alert } from '@/components/ui/feedback';

/** Renders its children for platform operators only; others get a plain refusal. */
export function OperatorOnly({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.isPending) return null;
  if (!hasScope(me.data, 'platform:operator'))
    return (
      <div className="mx-auto max-w-3xl p-4 sm:p-6">
        <Alert tone="warning" title="Not available">
          This console is for the operators of this service.
        </Alert>
      </div>
    );
  return <>{children}</>;
}
