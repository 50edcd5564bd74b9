// The test MCP server as a process (the browser journey starts it): prints its URLs as one JSON line.
import { startTestMcpServer } from './mcp-server.js';

const server = await startTestMcpServer({ slowMs: 2000 });
process.stdout.write(`${JSON.stringify({ url: server.url, mcpUrl: server.mcpUrl, sseUrl: server.sseUrl })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
