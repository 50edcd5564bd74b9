#!/usr/bin/env node
// Shares of a CPU profile (node --cpu-prof) by category: each non-idle sample goes to the first
// category one of its stack frames matches (template unpack, PGlite, the agents SDK, swagger,
// module loading, route registration, zod, prom-client, GC; else "other").
//
//   node bench/cold-start/profile-shares.mjs CPU.*.cpuprofile
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const rules = [
  [
    'template unpack',
    (f) => f.functionName === 'unpackTemplate' || f.functionName === 'readTemplateTar' || f.functionName === 'Jr',
  ],
  ['PGlite (open, queries)', (f) => f.url.includes('@electric-sql/pglite') || f.url.startsWith('wasm')],
  ['agents SDK', (f) => f.url.includes('@openai/') || f.url.includes('node_modules/openai')],
  ['swagger (+ui, static, yaml)', (f) => /@fastify\/swagger|@fastify\/static|node_modules\/yaml/.test(f.url)],
  [
    'module load + compile',
    (f) =>
      /^(loadAndTranslate|getModuleJobForImport|Module\._load|compileSourceTextModule|moduleStrategy|_link|link|import)$/.test(
        f.functionName,
      ) && !f.url.includes('node_modules'),
  ],
  [
    'route/plugin registration (fastify, avvio)',
    (f) => /node_modules\/(fastify|avvio|find-my-way|fastify-type-provider-zod|@fastify)\//.test(f.url),
  ],
  ['zod', (f) => f.url.includes('node_modules/zod')],
  ['prom-client', (f) => f.url.includes('prom-client')],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];
const acc = new Map();
let busy = 0;
for (const [id, t] of dt) {
  const leaf = nodes.get(id).callFrame;
  if (leaf.functionName === '(idle)') continue;
  busy += t;
  const chain = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) chain.push(nodes.get(cur).callFrame);
  let cat = 'other';
  // outermost-first for module loading (a module's top-level code counts as loading), else innermost
  for (const [name, test] of rules)
    if (chain.some(test)) {
      cat = name;
      break;
    }
  acc.set(cat, (acc.get(cat) ?? 0) + t);
}
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
for (const [k, v] of [...acc].sort((a, b) => b[1] - a[1]))
  console.log(`${((100 * v) / busy).toFixed(0).padStart(4)} %  ${k}`);
