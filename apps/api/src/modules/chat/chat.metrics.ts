import type { RunEvent } from '@agentry/contracts';
import { LATENCY_BUCKETS, type Metrics } from '../../platform/metrics.js';

const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

/**
 * Chat's metrics (names are what deploy/grafana and the alert rules query):
 *   chat_runs_total{outcome}            runs ended, by `completed` or the run.failed code
 *   chat_run_duration_seconds{outcome}  from run.started to the terminal event
 *   chat_first_token_seconds            from run.started to the first message.delta
 *   chat_tokens_total{kind}             input and output tokens of ended runs
 *   chat_streams_active                 chat SSE responses open on this process
 */
export class ChatMetrics {
  private readonly runs;
  private readonly duration;
  private readonly firstToken;
  private readonly tokens;
  private readonly streams;

  constructor(metrics: Metrics) {
    this.runs = metrics.counter('chat_runs_total', 'Chat runs ended, by outcome', ['outcome']);
    this.duration = metrics.histogram(
      'chat_run_duration_seconds',
      'Chat run duration by outcome',
      ['outcome'],
      RUN_BUCKETS,
    );
    this.firstToken = metrics.histogram(
      'chat_first_token_seconds',
      'Time from run start to the first streamed token',
      [],
      LATENCY_BUCKETS,
    );
    this.tokens = metrics.counter('chat_tokens_total', 'Model tokens used by chat runs', ['kind']);
    this.streams = metrics.gauge('chat_streams_active', 'Chat event streams open on this process');
  }

  /** Watches one run's events as they are logged; call it with every event, in order. */
  trackRun(): (event: RunEvent) => void {
    const started = performance.now();
    let sawToken = false;
    const seconds = () => (performance.now() - started) / 1000;
    return (e) => {
      if (e.event === 'message.delta' && !sawToken) {
        sawToken = true;
        this.firstToken.observe(seconds());
      } else if (e.event === 'run.completed' || e.event === 'run.failed') {
        const outcome = e.event === 'run.completed' ? 'completed' : e.data.code;
        this.runs.inc({ outcome });
        this.duration.observe({ outcome }, seconds());
        if (e.event === 'run.completed') {
          this.tokens.inc({ kind: 'input' }, e.data.usage.input_tokens);
          this.tokens.inc({ kind: 'output' }, e.data.usage.output_tokens);
        }
      }
    };
  }

  /** Counts an open stream; the returned function closes it. */
  streamOpened(): () => void {
    this.streams.inc();
    let open = true;
    return () => {
      if (open) this.streams.dec();
      open = false;
    };
  }
}
