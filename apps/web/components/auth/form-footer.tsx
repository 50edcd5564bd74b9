import { Alert } from '@/components/ui/feedback';
import { Button } from '@/components/ui/button';

/** The submit button and form-level error every auth form shares, including the 429 countdown. */
export function FormSubmit({
  label,
  pending,
  formError,
  retryIn,
}: {
  label: string;
  pending: boolean;
  formError: string | null;
  retryIn: number;
}) {
  return (
    <div className="space-y-3">
      {formError && (
        <Alert tone="error">{retryIn > 0 ? `Too many attempts. Try again in ${retryIn}s.` : formError}</Alert>
      )}
      <Button type="submit" loading={pending} disabled={retryIn > 0} className="w-full">
        {retryIn > 0 ? `Try again in ${retryIn}s` : label}
      </Button>
    </div>
  );
}

/** Only same-site paths are followed after login, so `?next=` cannot send anyone elsewhere. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
