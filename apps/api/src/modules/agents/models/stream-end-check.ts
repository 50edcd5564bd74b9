/** A model's streamed answer whose body ended before the stream's own end marker. */
export class IncompleteModelStream extends Error {
  override name = 'IncompleteModelStream';
}

const DONE = /data: \[DONE\]\s*$/;

/**
 * A `fetch` for the OpenAI client that fails a Chat Completions stream whose body ends before
 * `data: [DONE]`. The client takes such a body as a complete answer, and the agents SDK would
 * complete the run with the text cut short; failing the body instead ends the run with
 * `run.failed` `model_error` (run-errors.ts), as a cut connection does. Other responses pass as they are.
 */
export function fetchRequiringStreamEnd(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const streamed = res.headers.get('content-type')?.startsWith('text/event-stream');
    if (!res.body || !streamed || !new URL(url).pathname.endsWith('/chat/completions')) return res;
    const decoder = new TextDecoder();
    let tail = '';
    const checked = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          tail = (tail + decoder.decode(chunk, { stream: true })).slice(-64);
          controller.enqueue(chunk);
        },
        flush() {
          if (!DONE.test(tail)) throw new IncompleteModelStream('The model stream ended before [DONE].');
        },
      }),
    );
    return new Response(checked, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
