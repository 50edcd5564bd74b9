'use client';
import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '@/lib/client/api-error';
import { useCountdown } from './use-countdown';

/**
 * Form submission with the error handling people expect: field errors from a 422 next to their
 * inputs, one message for the rest, and a countdown instead of a dead button on a 429.
 */
export function useApiForm<T>(
  submit: (data: FormData) => Promise<T>,
  onSuccess?: (result: T) => void,
  /** Overrides the form-level message for the errors this form knows better (null: the default). */
  describe?: (error: unknown) => string | null,
) {
  const [pending, setPending] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const { secondsLeft, start } = useCountdown();
  const message = (error: unknown) => describe?.(error) ?? describeError(error);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending || secondsLeft > 0) return;
    setPending(true);
    setFieldErrors({});
    setFormError(null);
    try {
      const result = await submit(new FormData(event.currentTarget));
      onSuccess?.(result);
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.status === 429 && error.retryAfter) start(error.retryAfter);
        setFieldErrors(error.fieldErrors);
        if (Object.keys(error.fieldErrors).length === 0 || error.code !== 'validation_failed')
          setFormError(message(error));
      } else setFormError(message(error));
    } finally {
      setPending(false);
    }
  };

  return { onSubmit, pending, fieldErrors, formError, setFormError, retryIn: secondsLeft };
}

/** Reads a required text field from form data: what was typed, `''` when nothing (the API says what is wrong). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

/** Reads an optional text field from form data, `undefined` when blank. */
export function field(data: FormData, name: string): string | undefined {
  const value = data.get(name);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
