/**
 * Prometheus metrics of one service instance (own registry, so several apps can live in one process).
 * The per-decision counter and latency histogram are updated on the hot path through small buffers that are handed to
 * prom-client when the registry is scraped (or when a buffer fills), so a decision pays a Map lookup instead of
 * prom-client's label hashing and validation; a scrape always sees every decision answered before it.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The part of a counter the hot path uses. */
export interface HotCounter<L extends string> {
  inc(labels: Record<L, string>): void;
}
/** The part of a histogram the hot path uses. */
export interface HotHistogram<L extends string> {
  observe(labels: Record<L, string>, value: number): void;
}

export interface Metrics {
  registry: Registry;
  decisions: HotCounter<'feature' | 'decision'>;
  tokenFailures: Counter<'reason'>;
  latency: HotHistogram<'route'>;
  meterErrors: Counter<never>;
  shadowChecks: Counter<'result'>;
}

/** Observations held before a flush into prom-client, at most (bounds memory when nobody scrapes). */
const MAX_BUFFERED = 4096;

function keyOf<L extends string>(names: readonly L[], labels: Record<L, string>): string {
  let key = '';
  for (const n of names) key += `${labels[n]}\u0000`;
  return key;
}

function hotCounter<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[] },
  registry: Registry,
) {
  const pending = new Map<string, { labels: Record<L, string>; n: number }>();
  let counter: Counter<L>;
  const flush = () => {
    for (const entry of pending.values())
      if (entry.n > 0) {
        counter.inc(entry.labels, entry.n);
        entry.n = 0;
      }
  };
  counter = new Counter<L>({ ...config, labelNames: [...config.labelNames], registers: [registry], collect: flush });
  return {
    inc(labels: Record<L, string>) {
      const key = keyOf(config.labelNames, labels);
      const entry = pending.get(key);
      if (entry) entry.n++;
      else {
        if (pending.size >= MAX_BUFFERED) {
          flush();
          pending.clear();
        }
        pending.set(key, { labels: { ...labels }, n: 1 });
      }
    },
  };
}

function hotHistogram<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
  registry: Registry,
) {
  const pending = new Map<string, { labels: Record<L, string>; values: number[] }>();
  let histogram: Histogram<L>;
  const flush = () => {
    for (const entry of pending.values()) {
      for (const v of entry.values) histogram.observe(entry.labels, v);
      entry.values.length = 0;
    }
  };
  histogram = new Histogram<L>({
    ...config,
    labelNames: [...config.labelNames],
    registers: [registry],
    collect: flush,
  });
  return {
    observe(labels: Record<L, string>, value: number) {
      const key = keyOf(config.labelNames, labels);
      let entry = pending.get(key);
      if (!entry) {
        if (pending.size >= MAX_BUFFERED) {
          flush();
          pending.clear();
        }
        entry = { labels: { ...labels }, values: [] };
        pending.set(key, entry);
      }
      entry.values.push(value);
      if (entry.values.length >= MAX_BUFFERED) flush();
    },
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    decisions: hotCounter(
      {
        name: 'claimflow_decisions_total',
        help: 'Decisions answered, by feature and decision',
        labelNames: ['feature', 'decision'] as const,
      },
      registry,
    ),
    tokenFailures: new Counter({
      name: 'claimflow_token_failures_total',
      help: 'Visitor tokens that failed verification, by reason code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    latency: hotHistogram(
      {
        name: 'claimflow_decision_duration_seconds',
        help: 'Time to answer a decision request',
        labelNames: ['route'] as const,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      },
      registry,
    ),
    meterErrors: new Counter({
      name: 'claimflow_meter_errors_total',
      help: 'Trial meter reads or writes that failed (the configured failure side was applied)',
      registers: [registry],
    }),
    shadowChecks: new Counter({
      name: 'claimflow_shadow_checks_total',
      help: 'Live decisions evaluated again by json-rules-engine (CLAIMFLOW_SHADOW_SAMPLE), by result (agree, disagree)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
