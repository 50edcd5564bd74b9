import { z } from 'zod';

export const HealthResponse = z.object({ status: z.literal('ok'), version: z.string(), uptime_s: z.number() });
export const ReadyResponse = z.object({
  status: z.literal('ready'),
  checks: z.record(z.string(), z.literal('ok')),
  /** Facts about how the server runs (e.g. `knowledge: {vector_path, pgvector_available, storage, embeddings}`). */
  details: z.record(z.string(), z.unknown()).optional(),
});
