import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The import graph of apps/api/src between its units: `platform`, each `modules/<name>`, `cli`,
 * `config` (config.ts, version.ts: leaves anyone may read) and `app` (app.ts, main.ts: the composition
 * root). Test code is left out: a test may reach anywhere.
 */
export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

export type Graph = Map<string, Set<string>>;

function unitOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel[0] === 'modules') return `modules/${rel[1]}`;
  if (rel[0] === 'platform' || rel[0] === 'cli') return rel[0];
  // The configuration's leaves: the environment schema, the key shapes it reads, the version.
  if (/^(config|key-schemas|version)\.[jt]s$/.test(rel[0])) return 'config';
  return 'app';
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [full] : [];
  });
}

export function moduleGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const { fileName } of ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = unitOf(path.resolve(path.dirname(file), fileName));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle's units, in import order (empty when the graph is acyclic). */
export function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (unit: string) => {
    state.set(unit, 'open');
    stack.push(unit);
    for (const next of graph.get(unit) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(unit, 'done');
  };
  for (const unit of [...graph.keys()].sort()) if (!state.has(unit)) visit(unit);
  return found;
}

/** `npx tsx test/support/module-graph.ts` prints who imports whom. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = moduleGraph();
  for (const unit of [...graph.keys()].sort())
    console.log(`${unit} → ${[...graph.get(unit)!].sort().join(', ') || '(nothing)'}`);
  console.log(
    `cycles: ${
      cycles(graph)
        .map((c) => c.join(' → '))
        .join('; ') || 'none'
    }`,
  );
}
