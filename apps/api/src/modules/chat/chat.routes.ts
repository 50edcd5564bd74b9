import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ApprovalDecisionRequest,
  ApprovalDecisionResponse,
  ApprovalList,
  ApprovalListQuery,
  ApprovalParams,
  ChatPausedResponse,
  ChatRequest,
  ChatResponse,
  RunEventsQuery,
  RunIdParam,
} from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import { callerOf } from '../../platform/http/auth-guard.js';
import type { SseRegistry } from '../../platform/sse.js';
import { pipeToSse, SSE_RESPONSE } from '../../platform/sse-pipe.js';
import { takeRunSlots } from '../ratelimit/ratelimit.hooks.js';
import type { ChatMetrics } from './chat.metrics.js';
import type { ChatService } from './chat.service.js';
import type { RunPauses } from './run-pauses.js';
import type { LoggedRunEvent } from './run-events.js';

export interface ChatRoutesOptions {
  heartbeatMs: number;
  sse: SseRegistry;
  metrics: ChatMetrics;
  pauses: RunPauses;
}

/** `Last-Event-ID` (header, preferred) or `?after=`: the last event the client has; 0 for none. */
function lastEventId(request: FastifyRequest, after: number | undefined): number {
  const header = request.headers['last-event-id'];
  if (header === undefined || header === '') return after ?? 0;
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header.trim()))
    throw new AppError('bad_request', 'Last-Event-ID must be an event id (a non-negative integer).');
  return Number(header.trim());
}

/** Streams run events as SSE until the terminal one (or the client leaves; the run goes on). */
async function pipeEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ChatRoutesOptions,
  runId: string,
  events: (signal: AbortSignal) => AsyncGenerator<LoggedRunEvent>,
) {
  const closeMetric = options.metrics.streamOpened();
  try {
    await pipeToSse(request, reply, events, {
      heartbeatMs: options.heartbeatMs,
      registry: options.sse,
      headers: { 'x-run-id': runId },
      onError: (err) =>
        request.log.error({ err, event: 'chat.stream_failed', run_id: runId }, 'run event stream failed'),
    });
  } finally {
    closeMetric();
  }
}

/** `/api/v1/chat*`: start runs, stream and resume their events, cancel them. */
export function chatRoutes(chat: ChatService, options: ChatRoutesOptions): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['chat'];

    app.post(
      '/api/v1/chat',
      {
        // A run counts against chat_stream_concurrency while it executes, streamed or not: a client
        // that hangs up on POST /chat leaves its run going too (ratelimit/README.md).
        config: {
          auth: 'conversations:write',
          rateLimit: ['chat_per_minute', 'chat_stream_concurrency'],
          concurrencyHeldBy: 'run',
        },
        schema: {
          tags,
          summary: 'Send a message and wait for the answer',
          body: ChatRequest,
          response: { 200: ChatResponse, 202: ChatPausedResponse },
        },
      },
      async (request, reply) => {
        const result = await chat.chat(callerOf(request), request.body, takeRunSlots(request));
        return 'status' in result ? reply.status(202).send(result) : result;
      },
    );

    app.post(
      '/api/v1/chat/stream',
      {
        // The concurrency slot is the run's, not the stream's: it stays taken until the run stops
        // executing, so disconnecting and starting again cannot exceed the cap (ratelimit/README.md).
        config: {
          auth: 'conversations:write',
          rateLimit: ['chat_stream_per_minute', 'chat_stream_concurrency'],
          concurrencyHeldBy: 'run',
        },
        schema: {
          tags,
          summary: 'Send a message and stream the run as Server-Sent Events (header X-Run-Id)',
          body: ChatRequest,
          response: { 200: SSE_RESPONSE },
        },
      },
      async (request, reply) => {
        const { runId } = await chat.startRun(callerOf(request), request.body, takeRunSlots(request));
        await pipeEvents(request, reply, options, runId, (signal) => chat.followEvents(runId, 'running', 0, signal));
      },
    );

    app.get(
      '/api/v1/chat/runs/:run_id/events',
      {
        // A resume stream holds a socket and a follower: open resume streams are counted too, apart
        // from the running runs (ratelimit/README.md).
        config: { auth: 'conversations:read', rateLimit: ['chat_stream_concurrency'] },
        schema: {
          tags,
          summary: "Replay a run's events after Last-Event-ID (or ?after=), then follow it to its end",
          params: RunIdParam,
          querystring: RunEventsQuery,
          response: { 200: SSE_RESPONSE },
        },
      },
      async (request, reply) => {
        const after = lastEventId(request, request.query.after);
        const run = await chat.getRun(callerOf(request), request.params.run_id);
        await pipeEvents(request, reply, options, run.id, (signal) =>
          chat.followEvents(run.id, run.status, after, signal),
        );
      },
    );

    app.post(
      '/api/v1/chat/runs/:run_id/cancel',
      {
        config: { auth: 'conversations:write' },
        schema: { tags, summary: 'Cancel a run (it ends with run.failed, code run_cancelled)', params: RunIdParam },
      },
      async (request, reply) => {
        await chat.cancel(callerOf(request), request.params.run_id);
        return reply.status(202).send();
      },
    );

    app.get(
      '/api/v1/chat/approvals',
      {
        config: { auth: 'conversations:read' },
        schema: {
          tags,
          summary: "The caller's tool-call approvals (?status=pending: those waiting for a decision)",
          querystring: ApprovalListQuery,
          response: { 200: ApprovalList },
        },
      },
      async (request) => ({ items: await options.pauses.list(callerOf(request), request.query) }),
    );

    app.post(
      '/api/v1/chat/runs/:run_id/approvals/:approval_id',
      {
        config: { auth: 'conversations:write' },
        schema: {
          tags,
          summary: 'Approve or reject a tool call; the run resumes once every approval of it is decided',
          params: ApprovalParams,
          body: ApprovalDecisionRequest,
          response: { 202: ApprovalDecisionResponse },
        },
      },
      async (request, reply) => {
        const { run_id, approval_id } = request.params;
        const decided = await options.pauses.decide(callerOf(request), run_id, approval_id, request.body);
        return reply.status(202).send(decided);
      },
    );
  };
}
