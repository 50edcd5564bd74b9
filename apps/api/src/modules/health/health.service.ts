export type CheckResult = 'ok' | 'unavailable' | 'timeout';

async function check(probe: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class HealthService {
  private readonly startedAt = Date.now();
  /** Facts other modules report with readiness (e.g. the knowledge index's vector path and counts). */
  private readonly details: Record<string, unknown> = {};

  /**
   * Adds a named fact to the readiness answer's `details`: a value, or a function read at each
   * readiness check (within the probe deadline; `null` when it fails or is late, never a 503).
   */
  setDetail(name: string, value: unknown) {
    this.details[name] = value;
  }

  private async readDetails(): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      Object.entries(this.details).map(async ([name, value]) => {
        if (typeof value !== 'function') return [name, value] as const;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.options.timeoutMs);
        });
        try {
          return [name, await Promise.race([Promise.resolve(value()).catch(() => null), late])] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(entries);
  }

  constructor(
    private readonly options: {
      version: string;
      timeoutMs: number;
      /** Named dependency probes, each resolving when its dependency answers. */
      probes: Record<string, () => Promise<void>>;
      /** True once the process drains for shutdown: not ready, whatever the probes say. */
      draining?: () => boolean;
    },
  ) {}

  liveness() {
    return {
      status: 'ok' as const,
      version: this.options.version,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /** Every probe runs in parallel with its own deadline, so one hung dependency cannot delay the answer. */
  async readiness() {
    if (this.options.draining?.()) return { ready: false, draining: true, checks: {}, details: {} };
    const [entries, details] = await Promise.all([
      Promise.all(
        Object.entries(this.options.probes).map(
          async ([name, probe]) => [name, await check(probe, this.options.timeoutMs)] as const,
        ),
      ),
      this.readDetails(),
    ]);
    const checks = Object.fromEntries(entries) as Record<string, CheckResult>;
    return { ready: entries.every(([, r]) => r === 'ok'), draining: false, checks, details };
  }
}
