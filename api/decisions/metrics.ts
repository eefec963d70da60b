/** Prometheus metrics of one service instance (own registry, so several apps can live in one process). */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** `mode`: `live` (counted meters, logged samples), `dryRun` (dryRun: true) or `preview` (admin preview header). */
  decisions: Counter<'feature' | 'decision' | 'mode'>;
  tokenFailures: Counter<'reason'>;
  latency: Histogram<'route'>;
  meterErrors: Counter<never>;
}

export type DecisionMode = 'live' | 'dryRun' | 'preview';

/** The `mode` label of a decision request. */
export function decisionMode(input: { dryRun: boolean; preview?: unknown }): DecisionMode {
  return input.preview !== undefined ? 'preview' : input.dryRun ? 'dryRun' : 'live';
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    decisions: new Counter({
      name: 'claimflow_decisions_total',
      help: 'Decisions answered, by feature, decision and mode (live, dryRun, preview)',
      labelNames: ['feature', 'decision', 'mode'],
      registers: [registry],
    }),
    tokenFailures: new Counter({
      name: 'claimflow_token_failures_total',
      help: 'Visitor tokens that failed verification, by reason code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'claimflow_decision_duration_seconds',
      help: 'Time to answer a decision request',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    meterErrors: new Counter({
      name: 'claimflow_meter_errors_total',
      help: 'Trial meter reads or writes that failed (the configured failure side was applied)',
      registers: [registry],
    }),
  };
}
