import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeValues, renderChart } from '../../../../deploy/helm/render.mjs';

/** A throwaway chart with one template, rendered with `values`. */
function renderOne(template: string, values: Record<string, unknown> = {}, helpers = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentry-chart-'));
  try {
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: t\nversion: 1.0.0\nappVersion: "2.0"\n');
    fs.writeFileSync(path.join(dir, 'values.yaml'), JSON.stringify(values));
    fs.writeFileSync(path.join(dir, 'templates', 't.yaml'), template);
    if (helpers) fs.writeFileSync(path.join(dir, 'templates', '_helpers.tpl'), helpers);
    return renderChart(dir, { name: 'rel' }).map((m) => m.object);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The renderer stands in for helm: these pin the Go-template semantics the chart relies on.
describe('deploy/helm/render.mjs (the Go template subset)', () => {
  it('trims with {{- and -}}, reads .Values/.Release/.Chart, quotes', () => {
    const [o] = renderOne(
      'a: {{ .Release.Name }}-x\nb: {{ .Chart.AppVersion | quote }}\nc: x   {{- "y" -}}   \n  z\n',
      {},
    );
    expect(o).toEqual({ a: 'rel-x', b: '2.0', c: 'xyz' });
  });

  it('if / else if / else with Go truthiness (empty map, 0 and "" are false)', () => {
    const t = 'v: {{ if .Values.a }}a{{ else if .Values.b }}b{{ else }}c{{ end }}\n';
    expect(renderOne(t, { a: {}, b: 0 })).toEqual([{ v: 'c' }]);
    expect(renderOne(t, { a: '', b: 1 })).toEqual([{ v: 'b' }]);
    expect(renderOne(t, { a: { k: 1 } })).toEqual([{ v: 'a' }]);
  });

  it('range over maps (key order) and lists, with variables and $ for the root', () => {
    const t =
      'm:\n{{- range $k, $v := .Values.m }}\n  {{ $k }}: {{ $v | quote }}\n{{- end }}\nl:\n{{- range $x := list "p" "q" }}\n  - {{ $.Release.Name }}-{{ $x }}\n{{- end }}\n';
    expect(renderOne(t, { m: { z: 1, a: 'b' } })).toEqual([{ m: { a: 'b', z: '1' }, l: ['rel-p', 'rel-q'] }]);
  });

  it('define/include with nindent, toYaml, index and default', () => {
    const helpers = '{{- define "lbl" -}}\nname: {{ .Release.Name }}\n{{- end }}';
    const t =
      'meta:\n  {{- include "lbl" . | nindent 2 }}\nres:\n  {{- toYaml .Values.r | nindent 2 }}\ni: {{ index .Values "r" "cpu" }}\nd: {{ .Values.none | default "x" }}\n';
    expect(renderOne(t, { r: { cpu: '1', mem: 2 } }, helpers)).toEqual([
      { meta: { name: 'rel' }, res: { cpu: '1', mem: 2 }, i: 1, d: 'x' },
    ]);
  });

  it('fails loudly on what it does not implement, instead of rendering a blank', () => {
    expect(() => renderOne('a: {{ sha256sum .Values.x }}\n')).toThrow(/unsupported template function "sha256sum"/);
    expect(() => renderOne('a: {{ with .Values.x }}{{ end }}\n')).toThrow(/unsupported/);
    expect(() => renderOne('a: {{ .Values.m }}\n', { m: { k: 1 } })).toThrow(/toYaml/);
  });

  it('merges values files as helm does: maps key by key, lists replaced, null removes', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, l: [1, 2], x: 1 }, { a: { c: 3 }, l: [9], x: null })).toEqual({
      a: { b: 1, c: 3 },
      l: [9],
    });
  });
});
