import { UpdateProfileRequest, type MeResponse } from '@agentry/contracts';
import { ApiError } from './api-error';

export const PROFILE_FIELDS = ['display_name', 'avatar_url', 'locale', 'timezone'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/**
 * The PATCH body for what the form changed: a field left as it was is omitted, a field emptied is
 * `null` (the API clears it), anything else is the trimmed text. `null` when nothing changed.
 */
export function profileChanges(user: MeResponse['user'], data: FormData): UpdateProfileRequest | null {
  const body: Record<string, string | null> = {};
  for (const name of PROFILE_FIELDS) {
    const raw = data.get(name);
    if (typeof raw !== 'string') continue;
    const value = raw.trim() === '' ? null : raw.trim();
    if (value !== (user[name] ?? null)) body[name] = value;
  }
  return Object.keys(body).length ? (body as UpdateProfileRequest) : null;
}

/**
 * Checks the body with the contract's own schema before sending it, so a bad value is reported
 * next to its field at once, exactly as the API's 422 would report it.
 */
export function validateProfile(body: UpdateProfileRequest): ApiError | null {
  const parsed = UpdateProfileRequest.safeParse(body);
  if (parsed.success) return null;
  const errors = parsed.error.issues.map((issue) => ({
    path: String(issue.path[0] ?? ''),
    message: messageFor(issue.path[0], issue.message),
  }));
  return new ApiError(
    422,
    {
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      code: 'validation_failed',
      detail: 'Check the highlighted fields.',
      errors,
    },
    null,
  );
}

function messageFor(field: PropertyKey | undefined, fallback: string): string {
  switch (field) {
    case 'avatar_url':
      return 'Use an https:// address of an image.';
    case 'display_name':
      return 'Use at most 100 characters.';
    default:
      return fallback;
  }
}
