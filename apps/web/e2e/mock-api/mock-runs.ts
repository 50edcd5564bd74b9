/**
 * The chat side of the mock API: runs owned by the server with an event log, streamed the way
 * the contract says (ids 1, 2, 3…; a terminal event last) and replayable after Last-Event-ID.
 */
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

interface LoggedEvent { id: number; event: string; data: unknown }
export interface Run { id: string; conversationId: string; events: LoggedEvent[]; done: boolean; cancelled: boolean; listeners: Set<(e: LoggedEvent) => void> }

export const runs = new Map<string, Run>();
const DELAY = Number(process.env.OFFLINE_MODEL_DELAY_MS ?? 40);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function emit(run: Run, event: string, data: unknown) {
  const e = { id: run.events.length + 1, event, data };
  run.events.push(e);
  for (const l of [...run.listeners]) l(e);
}

type OnDone = (text: string, agent: string, tools: unknown[]) => string;

/** Plays the offline model's rules: "time" calls a tool, code words hand off, otherwise a longer echo. */
export function startRun(conversationId: string, message: string, agent: string, onDone: OnDone): Run {
  const run: Run = { id: randomUUID(), conversationId, events: [], done: false, cancelled: false, listeners: new Set() };
  runs.set(run.id, run);
  void (async () => {
    let current = agent;
    const tools: unknown[] = [];
    emit(run, 'run.started', { run_id: run.id, conversation_id: conversationId, agent });
    let words: string[];
    if (/\btime\b/i.test(message)) {
      const call = { call_id: `call_${run.id.slice(0, 8)}`, name: 'current_time', arguments: '{}' };
      emit(run, 'tool.called', call);
      await sleep(DELAY * 3);
      const output = JSON.stringify({ now: new Date().toISOString() });
      emit(run, 'tool.output', { ...call, output });
      tools.push({ ...call, output });
      words = `It is now ${new Date().toISOString()} (UTC), according to the current_time tool.`.split(' ');
    } else if (current === 'triage' && /\b(code|bug|function|typescript)\b/i.test(message)) {
      emit(run, 'agent.updated', { from: 'triage', to: 'code_assistant' });
      current = 'code_assistant';
      words = 'Let us look at it together. Here is a **typed** version:\n\n```ts\nfunction add(a: number, b: number): number {\n  return a + b; // no implicit any\n}\n```\n\nCheck the return type and the `strict` flag first, then share the failing input so we can reproduce the bug step by step and write a test that keeps it fixed.'.split(' ');
    } else {
      words = `Thanks for your message. This is the offline model replying word by word so that every path works without a key: ${message}`.split(' ');
    }
    let text = '';
    for (let i = 0; i < words.length; i++) {
      if (run.cancelled) {
        emit(run, 'run.failed', { run_id: run.id, code: 'run_cancelled', message: 'The run was cancelled.', retryable: false });
        run.done = true;
        return;
      }
      const delta = (i === 0 ? '' : ' ') + words[i];
      text += delta;
      emit(run, 'message.delta', { delta });
      await sleep(DELAY);
    }
    const messageId = onDone(text, current, tools);
    run.done = true;
    emit(run, 'run.completed', { run_id: run.id, conversation_id: conversationId, message_id: messageId, response: text, agent: current, usage: { input_tokens: 10, output_tokens: words.length, total_tokens: 10 + words.length } });
  })();
  return run;
}

/** Streams a run's events after `after`, then follows it live to its end. */
export function streamRun(run: Run, after: number, res: ServerResponse, headers: Record<string, string> = {}) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  const write = (e: LoggedEvent) => {
    if (res.writableEnded) return;
    res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    if (e.event === 'run.completed' || e.event === 'run.failed') {
      run.listeners.delete(write);
      res.end();
    }
  };
  for (const e of run.events.filter((x) => x.id > after)) write(e);
  if (!res.writableEnded && run.done) res.end();
  if (!res.writableEnded) {
    run.listeners.add(write);
    res.on('close', () => run.listeners.delete(write));
  }
}
