import { AppError } from '../../platform/errors.js';
import { isUuid } from '../../platform/ids.js';

export interface FileCursor {
  createdAt: Date;
  id: string;
}

/** Opaque cursor: base64url of `[created_at, id]` of the last file of a page. */
export function encodeFileCursor(c: FileCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

/** Parses a client's cursor; anything that is not one of ours is 400 `invalid_cursor`. */
export function decodeFileCursor(raw: string): FileCursor {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('alphabet');
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string')
      throw new Error('shape');
    const createdAt = new Date(value[0]);
    if (Number.isNaN(createdAt.getTime()) || !isUuid(value[1]) || createdAt.toISOString() !== value[0])
      throw new Error('values');
    return { createdAt, id: value[1] };
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not valid.');
  }
}
