import http from 'node:http';
import { startSmtpSink } from './smtp-sink.js';

/**
 * The e2e run's mailbox: an SMTP sink the API delivers to (`SMTP_URL`) and a loopback HTTP view of
 * what it received, `GET /mails?to=<address>` → `[{to, subject, text}]` newest last. Prints one JSON
 * line `{smtp, url}` when ready (like fake-stripe-server.ts).
 */
const sink = await startSmtpSink();
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const to = url.searchParams.get('to')?.toLowerCase();
  const mails = sink.received
    .filter((m) => !to || m.to.some((r) => r.toLowerCase() === to))
    .map((m) => ({ to: m.to, subject: m.subject, text: m.text }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(mails));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ smtp: sink.url, url: `http://127.0.0.1:${port}` })}\n`);
});
const stop = () => {
  server.close();
  void sink.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
