#!/usr/bin/env node
/**
 * Summarises a V8 `.cpuprofile` of the API under load (`BENCH_CPU_PROF_DIR=dir` on bench/chat-stream
 * or bench/throughput): CPU time by subsystem, by module and by function, self time only, idle left
 * out, counted from the first sample inside a chat run (`executeRun`) so start-up (tsx transpiling,
 * migrations) does not drown the run path.
 *
 *   node bench/cpu-profile/summarize.mjs <file.cpuprofile> [top=25] [--last=SECONDS] [--from=FUNCTION]
 *
 * `--last=SECONDS` counts only the samples of the profile's last SECONDS instead (a benchmark
 * without chat runs, such as `BENCH_THROUGHPUT_PATHS=list`, whose API exits right after its reads).
 *
 * Subsystem: the first rule that matches a frame of the sample's stack, leaf upward, package rules
 * before Node's own (a socket write under `pg` is the database's, not the HTTP server's). The
 * stacks are those V8 sees: an `await` cuts them, so work resumed from a socket read is counted
 * under the package that read it.
 */
import fs from 'node:fs';

const lastArg = process.argv.find((a) => a.startsWith('--last='));
// `--from=NAME`: count from the first sample under the function NAME instead of `executeRun` (the
// floor's profile: `--from=#runStreamLoop`, the SDK's run loop, which both servers run).
const fromFn = process.argv.find((a) => a.startsWith('--from='))?.slice(7) ?? 'executeRun';
const [file, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const lastSeconds = lastArg ? Number(lastArg.slice(7)) : undefined;
if (!file) {
  console.error('usage: summarize.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

const SUBSYSTEMS = [
  ['database (drizzle, pg)', /node_modules\/(drizzle-orm|pg|pg-pool|pg-protocol|pg-types)\//],
  ['database (PGlite, embedded)', /pglite/],
  ['redis (ioredis)', /node_modules\/(ioredis|@ioredis|redis-parser)\//],
  ['conversation title / summary', /conversation-assistant\.ts|titleConversation/],
  ['model + SDK (openai, @openai/agents, undici, web streams)', /node_modules\/(openai|@openai)\/|undici|webstreams/],
  ['guardrails', /modules\/guardrails\//],
  ['mcp', /modules\/mcp\//],
  ['auth', /modules\/auth\//],
  ['billing', /modules\/billing\//],
  ['rate limits', /modules\/ratelimit\//],
  ['sse', /platform\/sse/],
  ['chat module', /modules\/chat\//],
  ['conversations module', /modules\/conversations\//],
  [
    'fastify',
    /node_modules\/(fastify|find-my-way|@fastify|avvio|fast-json-stringify|helmet|fastify-type-provider-zod)\//,
  ],
  ['zod', /node_modules\/zod\//],
  ['logging (pino)', /node_modules\/(pino|@pinojs|sonic-boom|thread-stream)\//],
  ['metrics (prom-client)', /node_modules\/prom-client\//],
  ['module loading (tsx)', /node_modules\/tsx\/|internal\/modules\//],
];
const NODE_RULES = [['node http server, sockets', /_http_|node:net|stream_base_commons/]];

// The API runs bundled (apps/api/dist/chunks/*.js): a frame there is named after the source file of
// its line, from the bundler's `// src/…` (and `// ../../node_modules/…`) section comments.
const sections = new Map();
function sourceOf(url, line) {
  if (!url.includes('/dist/')) return url;
  if (!sections.has(url)) {
    const marks = [];
    try {
      fs.readFileSync(new URL(url), 'utf8')
        .split('\n')
        .forEach((l, i) => {
          if (/^\/\/ (src\/|\.\.\/)/.test(l)) marks.push([i, l.slice(3).replace(/^(\.\.\/)+/, '')]);
        });
    } catch {
      // not readable: keep the chunk's name
    }
    sections.set(url, marks);
  }
  let found = url;
  for (const [at, src] of sections.get(url)) {
    if (at > line) break;
    found = src.startsWith('src/') ? `/apps/api/${src}` : src;
  }
  return found;
}
const frameText = (cf) => `${sourceOf(cf.url, cf.lineNumber)} ${cf.functionName}`;
const firstMatch = (id, rules) => {
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
    const text = frameText(nodes.get(cur).callFrame);
    const rule = rules.find(([, re]) => re.test(text));
    if (rule) return rule[0];
  }
  return undefined;
};
const memo = new Map();
function subsystemOf(id) {
  if (!memo.has(id)) {
    const name = nodes.get(id).callFrame.functionName;
    memo.set(
      id,
      name === '(garbage collector)'
        ? 'garbage collector'
        : (firstMatch(id, SUBSYSTEMS) ?? firstMatch(id, NODE_RULES) ?? 'other (microtasks, timers, native)'),
    );
  }
  return memo.get(id);
}
function moduleOf(url, line) {
  if (!url) return '(native)';
  url = sourceOf(url, line);
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const [scope, name] = url.slice(nm + 13).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const src = url.indexOf('/apps/api/src/');
  return src >= 0 ? url.slice(src + 14) : url;
}
const inRun = (id) => {
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur))
    if (nodes.get(cur).callFrame.functionName === fromFn) return true;
  return false;
};

let from = Math.max(0, profile.samples.findIndex(inRun));
if (lastSeconds !== undefined) {
  // Sample times: the profile's start plus the running sum of the deltas.
  let t = profile.startTime;
  const cutoff = profile.endTime - lastSeconds * 1e6;
  from = profile.samples.length;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= cutoff) {
      from = i;
      break;
    }
  }
}
const bySubsystem = new Map();
const byModule = new Map();
const byFunction = new Map();
let busy = 0;
const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
for (let i = from; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  const cf = nodes.get(id).callFrame;
  if (cf.functionName === '(idle)') continue;
  const t = profile.timeDeltas[i] ?? 0;
  busy += t;
  add(bySubsystem, subsystemOf(id), t);
  add(byModule, moduleOf(cf.url, cf.lineNumber), t);
  add(byFunction, `${cf.functionName || '(anonymous)'} ${moduleOf(cf.url, cf.lineNumber)}:${cf.lineNumber + 1}`, t);
}

const seconds = (profile.endTime - profile.startTime) / 1e6;
console.log(
  `${file}: ${(busy / 1e6).toFixed(1)} s busy (idle left out), from sample ${from} of ${profile.samples.length}, ${seconds.toFixed(0)} s profiled`,
);
for (const [title, map, n] of [
  ['by subsystem', bySubsystem, Infinity],
  ['by module (self)', byModule, top],
  ['by function (self)', byFunction, top],
]) {
  console.log(`\n== ${title}`);
  for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
