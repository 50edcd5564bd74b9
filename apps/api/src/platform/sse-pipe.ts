import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { openSse, type SseEvent, type SseRegistry } from './sse.js';

/** The 200 of an SSE route in its `schema.response`, so the OpenAPI document shows the media type. */
export const SSE_RESPONSE = {
  description: 'Server-Sent Events',
  content: { 'text/event-stream': { schema: z.string() } },
};

export interface SsePipeOptions {
  heartbeatMs: number;
  registry: SseRegistry;
  /** The tenant whose data it streams, for `SseRegistry.closeTenant`. */
  tenantId?: string;
  /** Extra response headers (e.g. `x-run-id`). */
  headers?: Record<string, string>;
  /** Reports a source that failed mid-stream (the stream then ends; the client resumes with Last-Event-ID). */
  onError(err: unknown): void;
}

/**
 * The follow loop of every SSE route: opens the response, then sends what `source` yields until it
 * ends, the client goes away (the signal `source` gets aborts) or it fails; always ends the response.
 */
export async function pipeToSse(
  request: FastifyRequest,
  reply: FastifyReply,
  source: (signal: AbortSignal) => AsyncIterable<SseEvent>,
  options: SsePipeOptions,
): Promise<void> {
  const sse = openSse(request, reply, options);
  try {
    for await (const event of source(sse.signal)) {
      if (sse.closed) break;
      await sse.send(event);
    }
  } catch (err) {
    options.onError(err);
  } finally {
    sse.close();
  }
}
