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
  /** Facts other modules report with readiness (e.g. the knowledge index's vector path). */
  private readonly details: Record<string, unknown> = {};

  /** Adds a named fact to the readiness answer's `details`. */
  setDetail(name: string, value: unknown) {
    this.details[name] = value;
  }

  constructor(
    private readonly options: {
      version: string;
      timeoutMs: number;
      /** Named dependency probes, each resolving when its dependency answers. */
      probes: Record<string, () => Promise<void>>;
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
    const entries = await Promise.all(
      Object.entries(this.options.probes).map(
        async ([name, probe]) => [name, await check(probe, this.options.timeoutMs)] as const,
      ),
    );
    const checks = Object.fromEntries(entries) as Record<string, CheckResult>;
    return { ready: entries.every(([, r]) => r === 'ok'), checks, details: { ...this.details } };
  }
}
