import { Skeleton } from '@/components/ui/feedback';

export default function Loading() {
  return (
    <div role="status" aria-label="Loading" className="mx-auto max-w-3xl space-y-4 p-6">
      <Skeleton className="h-8 w-1/3" />
      <Skeleton className="h-24 w-full" />
      <Skeleton className="h-24 w-full" />
    </div>
  );
}
