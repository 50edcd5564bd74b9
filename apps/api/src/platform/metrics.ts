import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per app instance (tests build many apps in one process). Modules create their
 * metrics through `metrics.counter(...)` etc., which returns the existing metric on a second call.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly made = new Map<string, Counter | Histogram | Gauge>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.once(name, () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter<L>;
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    return this.once(
      name,
      () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }),
    ) as Histogram<L>;
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.once(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge<L>;
  }

  private once(name: string, make: () => Counter | Histogram | Gauge) {
    let m = this.made.get(name);
    if (!m) {
      m = make();
      this.made.set(name, m);
    }
    return m;
  }
}

/** Latency buckets in seconds, tuned for an API whose fast paths take a few milliseconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
