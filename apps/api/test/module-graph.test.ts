import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, cycles, moduleGraph } from './support/module-graph.js';

describe('module graph of apps/api/src', () => {
  const graph = moduleGraph();

  it('has no cycles between platform, modules, cli and the composition root', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('platform imports nothing from modules, the CLI or the composition root', () => {
    expect([...(graph.get('platform') ?? [])]).toEqual(['config']);
  });

  it('no module imports the composition root or the CLI', () => {
    for (const [unit, imports] of graph) {
      if (!unit.startsWith('modules/')) continue;
      expect(
        [...imports].filter((to) => to === 'app' || to === 'cli'),
        unit,
      ).toEqual([]);
    }
  });

  it('each module folder says in a README what it owns, its entry points and what it may import', () => {
    const modules = fs.readdirSync(path.join(SRC, 'modules'));
    expect(modules.length).toBeGreaterThan(5);
    for (const name of modules) {
      const readme = path.join(SRC, 'modules', name, 'README.md');
      expect(fs.existsSync(readme), readme).toBe(true);
      expect(fs.readFileSync(readme, 'utf8'), readme).toMatch(/may import/i);
    }
  });

  it('finds a cycle when there is one (the checker itself can fail)', () => {
    const looped = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cycles(looped)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
