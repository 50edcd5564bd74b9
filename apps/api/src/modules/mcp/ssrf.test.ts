import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMcpServer, type TestMcpServer } from '../../../test/support/mcp-server.js';
import { boundResult, offeredTools, toolRequiresApproval } from './mcp-tools.js';
import { assertPublicUrl, BlockedAddressError, createGuardedFetch, isBlockedAddress } from '../../platform/ssrf.js';

describe('SSRF guard', () => {
  it('classifies addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isBlockedAddress(ip), ip).toBe(false);
    }
  });

  it('checks every resolved address of a name at save time', async () => {
    await expect(assertPublicUrl('http://example.test/mcp', async () => ['93.184.216.34'])).resolves.toBeUndefined();
    await expect(
      assertPublicUrl('http://example.test/mcp', async () => ['93.184.216.34', '10.0.0.5']),
    ).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(assertPublicUrl('http://[::1]/mcp', async () => [])).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(assertPublicUrl('http://localhost/mcp')).rejects.toBeInstanceOf(BlockedAddressError);
  });

  describe('at connect time', () => {
    let mcp: TestMcpServer;
    beforeAll(async () => {
      mcp = await startTestMcpServer();
    });
    afterAll(() => mcp.close());

    it('refuses a literal blocked address, and a name whose DNS answer is blocked when the socket opens', async () => {
      const guarded = createGuardedFetch(false);
      await expect(guarded(mcp.mcpUrl, { method: 'POST' })).rejects.toBeInstanceOf(BlockedAddressError);
      // The name passed a check that saw a public answer (the DNS answer changed since): the connection still refuses it.
      const url = mcp.mcpUrl.replace('127.0.0.1', 'localhost');
      await expect(assertPublicUrl(url, async () => ['93.184.216.34'])).resolves.toBeUndefined();
      const refused = await guarded(url, { method: 'POST' }).then(
        () => 'connected',
        (err: Error) => `${err.message} ${String((err.cause as Error | undefined)?.message)}`,
      );
      expect(refused).toMatch(/loopback, private or link-local/);
      expect(mcp.calls).toEqual([]);
    });

    it('with private networks allowed it connects, and never follows a redirect', async () => {
      const open = createGuardedFetch(true);
      const res = await open(mcp.mcpUrl, { method: 'GET' });
      expect(res.status).toBe(405);
      await expect(open(`${mcp.url}/redirect`, { method: 'POST' })).rejects.toThrow(/redirect/);
    });
  });
});

describe('MCP tools offered to agents', () => {
  const tools = ['add', 'echo', 'bad name!'].map((name) => ({ name, description: '', input_schema: {} }));

  it('allowed_tools filters; names the model cannot call are left out', () => {
    expect(offeredTools({ name: 's', tools, allowedTools: null }).map((t) => t.name)).toEqual(['add', 'echo']);
    expect(offeredTools({ name: 's', tools, allowedTools: ['echo'] }).map((t) => t.name)).toEqual(['echo']);
    expect(offeredTools({ name: 's', tools, allowedTools: [] })).toEqual([]);
  });

  it('require_approval per tool', () => {
    expect(toolRequiresApproval('always', 'add')).toBe(true);
    expect(toolRequiresApproval('never', 'add')).toBe(false);
    expect(toolRequiresApproval({ tools: ['add'] }, 'add')).toBe(true);
    expect(toolRequiresApproval({ tools: ['add'] }, 'echo')).toBe(false);
  });

  it('results are bounded with a marker', () => {
    expect(boundResult('abc', 5)).toBe('abc');
    expect(boundResult('abcdefgh', 5)).toBe('abcde\n…[truncated: 3 more characters]');
  });
});
