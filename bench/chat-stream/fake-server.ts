/**
 * The fake OpenAI-compatible server as its own process, so the benchmark's model sits behind a
 * real socket in another event loop (as a provider does). Prints `{"baseURL": …}` once listening;
 * stops on SIGTERM.
 *
 *   node --import tsx bench/chat-stream/fake-server.ts <port> <words>
 */
import { startFakeOpenAI, wordsScript } from '../../apps/api/test/support/fake-openai.js';

const [port, words] = process.argv.slice(2).map(Number);
const fake = await startFakeOpenAI({ script: wordsScript(words || 20), port });
process.stdout.write(`${JSON.stringify({ baseURL: fake.baseURL })}\n`);
process.on('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
