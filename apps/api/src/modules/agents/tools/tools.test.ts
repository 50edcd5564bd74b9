import { describe, expect, it } from 'vitest';
import { evaluateExpression, ExpressionError, formatNumber } from './expression.js';
import { createToolRegistry } from './tool-registry.js';
import { AGENT_SPECS } from '../specs/index.js';

describe('calculator expression parser', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4],
    ['10 % 4', 2],
    ['sqrt(16) + abs(-3)', 7],
    ['max(1, 5, 3) - min(4, 2)', 3],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['2 * pi', 2 * Math.PI],
    ['1.5e3 / 3', 500],
    ['6 × 7', 42],
    ['--3', 3],
  ])('%s = %d', (expr, expected) => {
    expect(evaluateExpression(expr)).toBeCloseTo(expected, 10);
  });

  it('formats results without binary noise', () => {
    expect(formatNumber(evaluateExpression('0.1 + 0.2'))).toBe('0.3');
    expect(formatNumber(evaluateExpression('2 ^ 53'))).toBe('9007199254740992');
  });

  it.each([
    ['', 'empty'],
    ['1 +', 'ends too early'],
    ['1 / 0', 'Division by zero'],
    ['2 (3)', 'Unexpected'],
    ['process.exit(1)', 'Unexpected character'],
    ['constructor(1)', 'Unknown function'],
    ['__proto__', 'Unknown name'],
    ['sqrt(1, 2)', 'argument'],
    ['(((1)', 'Expected ")"'],
    ['1; 2', 'Unexpected character'],
    ['10 ^ 400', 'finite'],
    ['('.repeat(100) + '1' + ')'.repeat(100), 'nested too deeply'],
    ['1+'.repeat(300) + '1', 'longer than'],
  ])('rejects %j (%s)', (expr, message) => {
    expect(() => evaluateExpression(expr)).toThrow(ExpressionError);
    expect(() => evaluateExpression(expr)).toThrow(message);
  });
});

describe('tool registry', () => {
  const [triage, code, data] = AGENT_SPECS;

  it('has the core tools and no web_search without a Tavily key', () => {
    const registry = createToolRegistry();
    expect(
      registry
        .list()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['calculator', 'current_time', 'search_conversations', 'send_notification']);
    expect(registry.get('web_search')).toBeUndefined();
  });

  it('adds web_search with a key, scoped by capability', () => {
    const registry = createToolRegistry({ tavilyApiKey: 'tvly-test' });
    const web = registry.get('web_search')!;
    expect(web.core).toBe(false);
    expect(registry.getToolsForAgent(triage).map((t) => t.name)).not.toContain('web_search');
    expect(registry.getToolsForAgent(code).map((t) => t.name)).toContain('web_search');
    expect(registry.getToolsForAgent(data).map((t) => t.name)).toContain('web_search');
  });

  it('gives an agent the tools scoped to it by name', () => {
    const registry = createToolRegistry();
    const custom = { name: 'custom', capabilities: [], tools: [] };
    expect(registry.getToolsForAgent(custom).map((t) => t.name)).toEqual([
      'current_time',
      'calculator',
      'search_conversations',
    ]);
    // send_notification is the triage agent's (by name), and needs a person's approval for each call.
    const only = registry.list().filter((t) => !t.core);
    expect(only.map((t) => [t.name, t.agents, t.requiresApproval])).toEqual([['send_notification', ['triage'], true]]);
    expect(registry.getToolsForAgent(triage).map((t) => t.name)).toContain('send_notification');
  });

  it('builds a tool whose definition requires approval with the SDK needsApproval on', async () => {
    const registry = createToolRegistry();
    const notify = registry.get('send_notification')!;
    expect(await notify.tool.needsApproval({} as never, { message: 'hi' }, 'call_1')).toBe(true);
    expect(await registry.get('calculator')!.tool.needsApproval({} as never, { expression: '1' }, 'call_2')).toBe(
      false,
    );
  });

  it('describes parameters as JSON Schema', () => {
    const registry = createToolRegistry();
    const calc = registry.get('calculator')!;
    expect(calc.tool.parameters).toMatchObject({
      type: 'object',
      properties: { expression: { type: 'string' } },
      required: ['expression'],
    });
  });
});
