import { AppError } from '../../platform/errors.js';
import { isUuid } from '../../platform/ids.js';
import type { ListCursor } from './conversations.repo.js';

/** Opaque list cursor: base64url of `[updated_at, id]` of the last row of a page. */
export function encodeCursor(c: ListCursor): string {
  return encodeCursorOf(c.updatedAt.toISOString(), c.id);
}

/**
 * The same from the ISO text of `updated_at` (as the list reads it). Both values hold no character
 * JSON escapes (ISO digits and separators, a UUID checked on the way in), so the JSON is written directly.
 */
export function encodeCursorOf(updatedAtIso: string, id: string): string {
  return Buffer.from(`["${updatedAtIso}","${id}"]`).toString('base64url');
}

/** Parses a cursor from a client; anything that is not one of ours is 400 `invalid_cursor`. */
export function decodeCursor(raw: string): ListCursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('alphabet');
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string')
      throw new Error('shape');
    const updatedAt = new Date(value[0]);
    if (Number.isNaN(updatedAt.getTime()) || !isUuid(value[1])) throw new Error('values');
    // Ours always round-trip through toISOString with a four-digit year; anything else (an
    // expanded year such as +275760) is not ours and would fail in PostgreSQL as a 500.
    const year = updatedAt.getUTCFullYear();
    if (updatedAt.toISOString() !== value[0] || year < 1 || year > 9999) throw new Error('range');
    return { updatedAt, id: value[1] };
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not valid.');
  }
}
