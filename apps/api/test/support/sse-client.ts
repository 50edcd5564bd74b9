import http from 'node:http';

/** One parsed SSE event. */
export interface ParsedEvent {
  id?: string;
  event?: string;
  data: any;
}

/** Parses a complete `text/event-stream` body (comments dropped). */
export function parseSse(body: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  for (const block of body.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (!lines.length) continue;
    const e: ParsedEvent = { data: undefined };
    const data: string[] = [];
    for (const line of lines) {
      const i = line.indexOf(':');
      const field = line.slice(0, i);
      const value = line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') data.push(value);
    }
    e.data = JSON.parse(data.join('\n'));
    events.push(e);
  }
  return events;
}

/**
 * A real SSE client against a listening server: calls `onEvent` per event as bytes arrive and
 * can hang up mid-stream (`stopWhen` returning true destroys the socket).
 */
export function streamSse(options: {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  stopWhen?: (e: ParsedEvent, all: ParsedEvent[]) => boolean;
}): Promise<{ status: number; headers: http.IncomingHttpHeaders; events: ParsedEvent[]; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method,
        path: options.path,
        headers: {
          ...options.headers,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const events: ParsedEvent[] = [];
        let buffer = '';
        let aborted = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let at = buffer.indexOf('\n\n'); at >= 0 && !aborted; at = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, at + 2);
            buffer = buffer.slice(at + 2);
            for (const e of parseSse(block)) {
              events.push(e);
              if (options.stopWhen?.(e, events)) {
                aborted = true;
                req.destroy();
                resolve({ status: res.statusCode ?? 0, headers: res.headers, events, aborted });
                return;
              }
            }
          }
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            // A refusal (a problem+json body) has no events to parse.
            events: String(res.headers['content-type']).startsWith('text/event-stream')
              ? [...events, ...parseSse(buffer)]
              : events,
            aborted,
          }),
        );
        res.on('error', (err) => (aborted ? undefined : reject(err)));
      },
    );
    req.on('error', (err) => reject(err));
    if (payload) req.write(payload);
    req.end();
  });
}
