import type { FastifyInstance } from 'fastify';

/** The value of one sample (`name{labels}`) in Prometheus text; 0 when it has not been recorded. */
export function sampleValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** The value of one sample as the app's `/metrics` reports it now. */
export async function metricValue(app: FastifyInstance, series: string): Promise<number> {
  return sampleValue((await app.inject({ method: 'GET', url: '/metrics' })).body, series);
}
