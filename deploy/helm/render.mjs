#!/usr/bin/env node
// Renders the Agentry Helm chart without a `helm` binary (none is packaged here), for the chart's
// test and for reading what a release would apply:
//
//   node deploy/helm/render.mjs deploy/helm/agentry [-f values-override.yaml] [--name agentry] [--namespace default]
//
// It implements the subset of Go templates and Sprig the chart uses, with Helm's semantics:
// `{{ }}` actions with `{{-`/`-}}` trimming, comments, pipelines, fields (`.Values.a.b`, `$x.y`,
// `$.Release.Name`), variables (`$x := …`), `if`/`else if`/`else`, `range` (with `$k, $v :=`),
// `define`/`include`, and the functions listed in FUNCTIONS. Anything else is an error, never a
// silent blank: a template using more than this must extend the renderer (and its test) first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';

// ── lexing: text and actions ──────────────────────────────────────────────────────────────────
function lex(source, file) {
  const tokens = [];
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    tokens.push({ type: 'text', value: source.slice(last, m.index), trimRight: Boolean(m[1]) });
    tokens.push({ type: 'action', value: m[2].trim(), trimLeft: Boolean(m[3]), file });
    last = re.lastIndex;
  }
  tokens.push({ type: 'text', value: source.slice(last), trimRight: false });
  // `{{-` trims the whitespace before it; `-}}` the whitespace after it.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'text') continue;
    if (t.trimRight) t.value = t.value.replace(/\s+$/, '');
    if (tokens[i - 1]?.trimLeft) t.value = t.value.replace(/^\s+/, '');
  }
  return tokens;
}

// ── parsing: a tree of text, output, if, range, define, assignments ───────────────────────────
function parseTemplate(source, file) {
  const tokens = lex(source, file);
  let pos = 0;
  const defines = {};
  function block(stopWords) {
    const nodes = [];
    while (pos < tokens.length) {
      const t = tokens[pos++];
      if (t.type === 'text') {
        if (t.value) nodes.push({ kind: 'text', value: t.value });
        continue;
      }
      const a = t.value;
      if (a.startsWith('/*')) continue; // {{/* comment */}}
      const word = a.split(/\s+/)[0];
      if (stopWords.includes(word)) return { nodes, stop: a };
      if (word === 'if') {
        nodes.push(ifNode(a.slice(2).trim()));
      } else if (word === 'range') {
        const spec = a.slice(5).trim();
        const m = /^(\$\w*)(?:\s*,\s*(\$\w*))?\s*:=\s*([\s\S]+)$/.exec(spec);
        const vars = m ? (m[2] ? [m[1], m[2]] : [m[1]]) : [];
        const pipeline = parsePipeline(m ? m[3] : spec);
        const body = block(['end', 'else']);
        let elseNodes = [];
        if (body.stop === 'else') elseNodes = block(['end']).nodes;
        nodes.push({ kind: 'range', vars, pipeline, body: body.nodes, elseNodes });
      } else if (word === 'define') {
        const name = JSON.parse(a.slice(6).trim());
        defines[name] = block(['end']).nodes;
      } else if (/^\$\w*\s*:?=/.test(a)) {
        const m = /^(\$\w*)\s*(:?=)\s*([\s\S]+)$/.exec(a);
        nodes.push({ kind: 'assign', name: m[1], declare: m[2] === ':=', pipeline: parsePipeline(m[3]) });
      } else if (['end', 'else', 'with', 'template', 'block', 'break', 'continue'].includes(word)) {
        throw new Error(`${file}: unsupported or misplaced {{ ${a} }}`);
      } else {
        nodes.push({ kind: 'output', pipeline: parsePipeline(a) });
      }
    }
    if (stopWords.length) throw new Error(`${file}: missing {{ end }}`);
    return { nodes, stop: null };
  }
  function ifNode(condition) {
    const then = block(['end', 'else']);
    let elseNodes = [];
    if (then.stop !== 'end') {
      const rest = then.stop.slice(4).trim(); // after "else"
      if (rest.startsWith('if ')) elseNodes = [ifNode(rest.slice(3).trim())];
      else elseNodes = block(['end']).nodes;
    }
    return { kind: 'if', pipeline: parsePipeline(condition), thenNodes: then.nodes, elseNodes };
  }
  const nodes = block([]).nodes;
  return { nodes, defines };
}

/** A pipeline: commands separated by `|`, each a list of operands (tokens, or parenthesized pipelines). */
function parsePipeline(source) {
  const re =
    /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||-?\d+(?:\.\d+)?(?![\w.])|\$\w*(?:\.\w+)*|(?:\.\w+)+|\.|[A-Za-z_]\w*(?:\.\w+)*)/y;
  const tokens = [];
  let i = 0;
  while (i < source.length) {
    re.lastIndex = i;
    const m = re.exec(source);
    if (!m) {
      if (/^\s*$/.test(source.slice(i))) break;
      throw new Error(`cannot parse template expression: ${source}`);
    }
    tokens.push(m[1]);
    i = re.lastIndex;
  }
  let pos = 0;
  function pipeline() {
    const commands = [[]];
    while (pos < tokens.length && tokens[pos] !== ')') {
      const t = tokens[pos++];
      if (t === '|') commands.push([]);
      else if (t === '(') {
        const inner = pipeline();
        if (tokens[pos++] !== ')') throw new Error(`unbalanced parentheses: ${source}`);
        // `(pipeline).Field`
        const field = tokens[pos]?.startsWith('.') && tokens[pos] !== '.' ? tokens[pos++] : null;
        commands.at(-1).push({ type: 'group', pipeline: inner, field });
      } else commands.at(-1).push(operand(t));
    }
    return commands;
  }
  const result = pipeline();
  if (pos !== tokens.length) throw new Error(`unbalanced parentheses: ${source}`);
  return result;
}

function operand(t) {
  if (t.startsWith('"')) return { type: 'literal', value: JSON.parse(t) };
  if (t.startsWith('`')) return { type: 'literal', value: t.slice(1, -1) };
  if (/^-?\d/.test(t)) return { type: 'literal', value: Number(t) };
  if (t === 'true' || t === 'false') return { type: 'literal', value: t === 'true' };
  if (t === 'nil') return { type: 'literal', value: null };
  if (t === '.') return { type: 'dot', path: [] };
  if (t.startsWith('.')) return { type: 'dot', path: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...fieldPath] = t.split('.');
    return { type: 'var', name, path: fieldPath };
  }
  return { type: 'func', name: t };
}

// ── evaluation ────────────────────────────────────────────────────────────────────────────────
/** Go templates' truth: false, 0, nil and empty strings, lists and maps are false. */
export function truthy(v) {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function field(value, pathParts, where) {
  let v = value;
  for (const p of pathParts) {
    if (v === null || v === undefined) return undefined; // Helm: a missing parent gives nil, not an error
    if (typeof v !== 'object') throw new Error(`${where}: cannot read .${p} of a ${typeof v}`);
    v = v[p];
  }
  return v;
}

const indentLines = (n, s) =>
  String(s)
    .split('\n')
    .map((l) => (l ? ' '.repeat(n) + l : l))
    .join('\n');

function toYaml(v) {
  if (v === null || v === undefined) return 'null';
  return stringifyYaml(v, { lineWidth: 0 }).replace(/\n$/, '');
}

/** Go's %q for the strings and scalars the chart quotes. */
function quote(v) {
  if (v === null || v === undefined) return '""';
  return JSON.stringify(String(v));
}

const FUNCTIONS = {
  quote: (...vs) => vs.map(quote).join(' '),
  toYaml,
  nindent: (n, s) => `\n${indentLines(n, s)}`,
  indent: (n, s) => indentLines(n, s),
  default: (d, v) => (truthy(v) ? v : d),
  required: (message, v) => {
    if (v === null || v === undefined || v === '') throw new Error(message);
    return v;
  },
  not: (v) => !truthy(v),
  and: (...vs) => vs.find((v) => !truthy(v)) ?? vs.at(-1),
  or: (...vs) => vs.find((v) => truthy(v)) ?? vs.at(-1),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  list: (...vs) => vs,
  index: (v, ...keys) => keys.reduce((acc, k) => (acc === null || acc === undefined ? undefined : acc[k]), v),
  toString: (v) => String(v ?? ''),
  b64enc: (v) => Buffer.from(String(v)).toString('base64'),
  upper: (v) => String(v).toUpperCase(),
  lower: (v) => String(v).toLowerCase(),
  trunc: (n, v) => String(v).slice(0, n),
  trimSuffix: (suffix, v) => (String(v).endsWith(suffix) ? String(v).slice(0, -suffix.length) : String(v)),
  printf: (format, ...args) => {
    let i = 0;
    return String(format).replace(/%[sdv]/g, () => String(args[i++] ?? ''));
  },
};

/** Renders one parsed template with `dot` as `.`; `defines` serve `include`. */
function render(nodes, dot, scope, defines) {
  let out = '';
  const evalOperand = (op, piped) => {
    switch (op.type) {
      case 'literal':
        return op.value;
      case 'dot':
        return field(dot, op.path, 'template');
      case 'var': {
        const name = op.name === '$' ? '$' : op.name;
        if (!(name in scope)) throw new Error(`undefined variable ${name}`);
        return field(scope[name], op.path, name);
      }
      case 'group': {
        const v = evalPipeline(op.pipeline);
        return op.field ? field(v, op.field.slice(1).split('.'), 'group') : v;
      }
      case 'func':
        throw new Error(`function ${op.name} used as a value${piped ? '' : ''}`);
      default:
        throw new Error(`unknown operand ${op.type}`);
    }
  };
  const evalCommand = (command, piped, hasPiped) => {
    const [head, ...rest] = command;
    if (head.type === 'func') {
      const args = rest.map((a) => evalOperand(a));
      if (hasPiped) args.push(piped);
      if (head.name === 'include') {
        const [name, ctx] = args;
        if (!defines[name]) throw new Error(`include of an undefined template "${name}"`);
        return render(defines[name], ctx, { $: ctx }, defines);
      }
      const fn = FUNCTIONS[head.name];
      if (!fn) throw new Error(`unsupported template function "${head.name}" (extend deploy/helm/render.mjs)`);
      return fn(...args);
    }
    if (rest.length || hasPiped) throw new Error('a value cannot take arguments');
    return evalOperand(head);
  };
  const evalPipeline = (commands) => {
    let value;
    commands.forEach((command, i) => {
      value = evalCommand(command, value, i > 0);
    });
    return value;
  };
  for (const node of nodes) {
    if (node.kind === 'text') out += node.value;
    else if (node.kind === 'output') {
      const v = evalPipeline(node.pipeline);
      if (v !== null && v !== undefined) {
        if (typeof v === 'object') throw new Error('printing a map or list: pipe it through toYaml');
        out += String(v);
      }
    } else if (node.kind === 'assign') {
      if (!node.declare && !(node.name in scope)) throw new Error(`assignment to undeclared ${node.name}`);
      scope[node.name] = evalPipeline(node.pipeline);
    } else if (node.kind === 'if') {
      const branch = truthy(evalPipeline(node.pipeline)) ? node.thenNodes : node.elseNodes;
      out += render(branch, dot, { ...scope }, defines);
    } else if (node.kind === 'range') {
      const v = evalPipeline(node.pipeline);
      // Maps iterate in key order, as in Go.
      const entries = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v && typeof v === 'object'
          ? Object.keys(v)
              .sort()
              .map((k) => [k, v[k]])
          : [];
      if (entries.length === 0) out += render(node.elseNodes, dot, { ...scope }, defines);
      for (const [k, x] of entries) {
        const inner = { ...scope };
        if (node.vars.length === 1) inner[node.vars[0]] = x;
        if (node.vars.length === 2) {
          inner[node.vars[0]] = k;
          inner[node.vars[1]] = x;
        }
        out += render(node.body, x, inner, defines);
      }
    }
  }
  return out;
}

// ── the chart ─────────────────────────────────────────────────────────────────────────────────
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Helm's values merge: maps merge key by key, anything else (lists too) is replaced; null deletes. */
export function mergeValues(base, override) {
  const out = { ...base };
  for (const [k, v] of Object.entries(override ?? {})) {
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = mergeValues(out[k], v);
    else out[k] = v;
  }
  return out;
}

/**
 * Renders every template of `chartDir` with its values.yaml merged with `valuesFiles` (in order).
 * Returns the manifests as parsed YAML objects, each with the template it came from.
 */
export function renderChart(
  chartDir,
  { valuesFiles = [], name = 'agentry', namespace = 'default', revision = 1 } = {},
) {
  const chart = parseYaml(fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'));
  let values = parseYaml(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) ?? {};
  for (const file of valuesFiles) values = mergeValues(values, parseYaml(fs.readFileSync(file, 'utf8')) ?? {});
  const root = {
    Values: values,
    Release: {
      Name: name,
      Namespace: namespace,
      Service: 'Helm',
      Revision: revision,
      IsInstall: revision === 1,
      IsUpgrade: revision > 1,
    },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion, Description: chart.description },
  };
  const dir = path.join(chartDir, 'templates');
  const files = fs.readdirSync(dir).sort();
  const parsed = files.map((f) => ({ file: f, ...parseTemplate(fs.readFileSync(path.join(dir, f), 'utf8'), f) }));
  const defines = Object.assign({}, ...parsed.map((p) => p.defines));
  const manifests = [];
  for (const { file, nodes } of parsed) {
    if (file.startsWith('_') || !/\.ya?ml$/.test(file)) continue; // helpers and notes render nothing
    let text;
    try {
      text = render(nodes, root, { $: root }, defines);
    } catch (err) {
      throw new Error(`${file}: ${err.message}`);
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${file}: invalid YAML: ${doc.errors[0].message}\n${text}`);
      const object = doc.toJS();
      if (object !== null && object !== undefined) manifests.push({ template: file, object });
    }
  }
  return manifests;
}

// ── command line ──────────────────────────────────────────────────────────────────────────────
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const chartDir = args.find((a, i) => !a.startsWith('-') && !['-f', '--name', '--namespace'].includes(args[i - 1]));
  const opt = (flag) => args.filter((_, i) => args[i - 1] === flag);
  if (!chartDir) {
    process.stderr.write(
      'usage: node deploy/helm/render.mjs <chart dir> [-f values.yaml]… [--name n] [--namespace ns]\n',
    );
    process.exit(2);
  }
  const manifests = renderChart(chartDir, {
    valuesFiles: opt('-f'),
    name: opt('--name')[0] ?? 'agentry',
    namespace: opt('--namespace')[0] ?? 'default',
  });
  for (const { template, object } of manifests)
    process.stdout.write(`---\n# Source: agentry/templates/${template}\n${stringifyYaml(object, { lineWidth: 0 })}`);
}
