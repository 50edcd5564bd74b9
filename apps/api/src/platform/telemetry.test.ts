import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.js';
import { startTelemetry, withSpan, type Telemetry } from './telemetry.js';

/** A stand-in OTLP/HTTP collector: records the JSON bodies posted to /v1/traces. */
function startCollector(): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(JSON.parse(raw));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const spansOf = (bodies: any[]) =>
  bodies.flatMap((b) =>
    b.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => ({ ...s, resource: rs.resource }))),
    ),
  );
const attr = (span: any, key: string) => {
  const v = span.attributes.find((a: any) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let telemetry: Telemetry;
  let t: TestApp;
  beforeAll(async () => {
    collector = await startCollector();
    t = await createTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    telemetry = await startTelemetry(t.config, { version: 'test' });
  });
  afterAll(async () => {
    await t.close();
    await collector.close();
  });

  it('exports one server span per request, named by route, continuing an incoming traceparent', async () => {
    expect(telemetry.enabled).toBe(true);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await t.app.inject({ method: 'GET', url: '/no/such/route' });
    await withSpan('unit.work', { 'agentry.test': true }, async () => 'done');
    await telemetry.shutdown(); // flushes the batch
    const spans = spansOf(collector.bodies);
    const health = spans.find((s) => s.name === 'GET /health');
    expect(health).toBeDefined();
    expect(health.traceId).toBe(traceId);
    expect(health.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attr(health, 'http.response.status_code')).toBe(200);
    expect(attr(health, 'http.route')).toBe('/health');
    expect(health.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue).toBe('agentry-api');
    expect(spans.some((s) => attr(s, 'http.response.status_code') === 404)).toBe(true);
    expect(spans.some((s) => s.name === 'unit.work')).toBe(true);
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('is disabled and loads nothing', async () => {
    const t = await createTestApp();
    try {
      const telemetry = await startTelemetry(t.config, { version: 'test' });
      expect(telemetry.enabled).toBe(false);
      await telemetry.shutdown();
    } finally {
      await t.close();
    }
  });
});
