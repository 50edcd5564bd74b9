import { z } from 'zod';

export const Uuid = z.uuid();
export const Timestamp = z.iso.datetime({ offset: true });
export const IdParam = z.object({ id: z.uuid() });
export const Empty = z.object({}).strict();
