import { describe, expect, it } from 'vitest';
import { parseBlock, readSse } from '@/lib/client/sse-reader';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

describe('readSse', () => {
  it('reassembles events split across chunks and skips pings', async () => {
    const body = streamOf([
      'id: 1\nevent: message.delta\nda',
      'ta: {"delta":"a"}\n\n: ping\n\n',
      'id: 2\r\nevent: run.failed\r\ndata: {}\r\n\r\n',
    ]);
    const seen = [];
    for await (const m of readSse(body)) seen.push(m);
    expect(seen).toEqual([
      { id: '1', event: 'message.delta', data: '{"delta":"a"}' },
      { id: '2', event: 'run.failed', data: '{}' },
    ]);
  });

  it('joins multi-line data', () => {
    expect(parseBlock('data: a\ndata: b')).toEqual({ id: null, event: 'message', data: 'a\nb' });
  });
});
