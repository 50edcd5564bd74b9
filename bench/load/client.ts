/**
 * The load test's HTTP client: one keep-alive agent for every virtual user (as a load balancer
 * would hold its connections), JSON requests, and `POST /chat/stream` read event by event so the
 * first token's time and the terminal event are known. Times are in ms from the request's start to
 * the end of its response body.
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
export const closeAgent = () => agent.destroy();

export interface Answer {
  status: number;
  ms: number;
  body: string;
}

export interface StreamAnswer {
  status: number;
  ms: number;
  /** Time to the first `message.delta`; undefined when none came. */
  firstTokenMs?: number;
  /** The last event's name (`run.completed` when the run ended well). */
  terminal?: string;
  conversationId?: string;
  /** The response body when the status is not 200 (a problem document). */
  body?: string;
}

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function send(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  onResponse: (res: http.IncomingMessage, start: bigint, done: (value: unknown) => void) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const start = process.hrtime.bigint();
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : headers,
      },
      (res) => {
        res.on('error', reject);
        onResponse(res, start, resolve);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function json(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  return send(base, method, path, headers, body, (res, start, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => done({ status: res.statusCode ?? 0, ms: elapsedMs(start), body: text }));
  }) as Promise<Answer>;
}

/** `POST /api/v1/chat/stream`, reading the SSE frames (`id:`, `event:`, `data:` lines, blank line). */
export function chatStream(base: URL, headers: Record<string, string>, body: unknown): Promise<StreamAnswer> {
  return send(base, 'POST', '/api/v1/chat/stream', headers, body, (res, start, done) => {
    res.setEncoding('utf8');
    let text = '';
    if (res.statusCode !== 200) {
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, ms: elapsedMs(start), body: text }));
      return;
    }
    const answer: StreamAnswer = { status: 200, ms: 0 };
    res.on('data', (chunk: string) => {
      text += chunk;
      let end = text.indexOf('\n\n');
      while (end !== -1) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        end = text.indexOf('\n\n');
        const event = /^event: (.+)$/m.exec(frame)?.[1];
        if (!event) continue; // a `: ping` comment
        if (event === 'message.delta' && answer.firstTokenMs === undefined) answer.firstTokenMs = elapsedMs(start);
        if (event === 'run.started') {
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (data) answer.conversationId = (JSON.parse(data) as { conversation_id: string }).conversation_id;
        }
        answer.terminal = event;
      }
    });
    res.on('end', () => done({ ...answer, ms: elapsedMs(start) }));
  }) as Promise<StreamAnswer>;
}
