/**
 * Per-step tallies of the load test: latency samples of the answers that succeeded, errors by
 * reason (HTTP status, `run.failed`, a network error), and a few sample messages to tell them apart.
 */
export interface StepFigures {
  ok: number;
  errors: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errorsBy: Record<string, number>;
  errorSamples: string[];
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export class Step {
  private samples: number[] = [];
  private errorsBy: Record<string, number> = {};
  private errorSamples: string[] = [];

  constructor(readonly name: string) {}

  ok(ms: number) {
    this.samples.push(ms);
  }

  error(reason: string, detail: string) {
    this.errorsBy[reason] = (this.errorsBy[reason] ?? 0) + 1;
    if (this.errorSamples.length < 3) this.errorSamples.push(`${reason}: ${detail.slice(0, 300)}`);
  }

  figures(seconds: number): StepFigures {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      ok: sorted.length,
      errors: Object.values(this.errorsBy).reduce((a, b) => a + b, 0),
      perSecond: round(sorted.length / seconds),
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? Number.NaN),
      errorsBy: this.errorsBy,
      errorSamples: this.errorSamples,
    };
  }
}
