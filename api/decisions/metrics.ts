/**
 * Prometheus metrics of one service instance (own registry, so several apps can live in one process).
 * The per-decision counter and latency histogram are updated on the hot path through small buffers that are handed to
 * prom-client when the registry is scraped (or when a buffer fills), so a decision pays a Map lookup instead of
 * prom-client's label hashing and validation; a scrape always sees every decision answered before it.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
  /** `mode`: `live` (counted meters, logged samples), `dryRun` (dryRun: true) or `preview` (admin preview header). */
  decisions: HotCounter<'feature' | 'decision' | 'mode'>;
  /** Public requests by site key name (`none` without a key) and the environment that answered. */
  siteKeyRequests: HotCounter<'site_key' | 'environment'>;
  tokenFailures: Counter<'reason'>;
  latency: HotHistogram<'route'>;
  meterErrors: Counter<never>;
  shadowChecks: Counter<'result'>;
  metersPruned: Counter<never>;
  /** Reports the group-commit counts of the meter store (batches written, uses in them) at each scrape. */
  watchMeterBatches(stats: () => { batches: number; requests: number }): void;
  /** Verified tokens without a usable foreign user id (a wrong `foreignUserIdProperty` shows here). */
  tokensWithoutUserId: Counter<'problem'>;
  /** Requests to the JWKS keys endpoint, by result (`success`, `http_error`, `timeout`, ...). */
  jwksFetches: Counter<'result'>;
  /** Epoch seconds of the last successful JWKS fetch (absent until one succeeds). */
  jwksLastSuccess: Gauge<never>;
}

export type DecisionMode = 'live' | 'dryRun' | 'preview';

/** The `mode` label of a decision request. */
export function decisionMode(input: { dryRun: boolean; preview?: unknown }): DecisionMode {
  return input.preview !== undefined ? 'preview' : input.dryRun ? 'dryRun' : 'live';
}

/** Observations held before a flush into prom-client, at most (bounds memory when nobody scrapes). */
const MAX_BUFFERED = 4096;

/**
 * Pending entries by label values: one Map per label, in label order. Label values on the hot path (feature ids,
 * decisions, modes) are strings held by the compiled features, whose hashes V8 keeps; a joined string key would be a new
 * string to hash on every request.
 */
class LabelTrie<L extends string, E> {
  #root = new Map<string, unknown>();
  size = 0;
  constructor(private readonly names: readonly L[]) {}
  get(labels: Record<L, string>): E | undefined {
    let node: unknown = this.#root;
    for (const n of this.names) {
      node = (node as Map<string, unknown>).get(labels[n]);
      if (node === undefined) return undefined;
    }
    return node as E;
  }
  set(labels: Record<L, string>, entry: E): void {
    let node = this.#root;
    const last = this.names.length - 1;
    this.names.forEach((n, i) => {
      if (i === last) {
        node.set(labels[n], entry);
        return;
      }
      let next = node.get(labels[n]) as Map<string, unknown> | undefined;
      if (!next) node.set(labels[n], (next = new Map()));
      node = next;
    });
    this.size++;
  }
  clear(): void {
    this.#root = new Map();
    this.size = 0;
  }
}

function hotCounter<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[] },
  registry: Registry,
) {
  const pending = new LabelTrie<L, { labels: Record<L, string>; n: number }>(config.labelNames);
  const entries: Array<{ labels: Record<L, string>; n: number }> = [];
  let counter: Counter<L>;
  const flush = () => {
    for (const entry of entries)
      if (entry.n > 0) {
        counter.inc(entry.labels, entry.n);
        entry.n = 0;
      }
  };
  counter = new Counter<L>({ ...config, labelNames: [...config.labelNames], registers: [registry], collect: flush });
  return {
    inc(labels: Record<L, string>) {
      const entry = pending.get(labels);
      if (entry) entry.n++;
      else {
        if (pending.size >= MAX_BUFFERED) {
          flush();
          pending.clear();
          entries.length = 0;
        }
        const created = { labels: { ...labels }, n: 1 };
        pending.set(labels, created);
        entries.push(created);
      }
    },
  };
}

function hotHistogram<L extends string>(
  config: { name: string; help: string; labelNames: readonly L[]; buckets: number[] },
  registry: Registry,
) {
  const pending = new LabelTrie<L, { labels: Record<L, string>; values: number[] }>(config.labelNames);
  const entries: Array<{ labels: Record<L, string>; values: number[] }> = [];
  let histogram: Histogram<L>;
  const flush = () => {
    for (const entry of entries) {
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
      let entry = pending.get(labels);
      if (!entry) {
        if (pending.size >= MAX_BUFFERED) {
          flush();
          pending.clear();
          entries.length = 0;
        }
        entry = { labels: { ...labels }, values: [] };
        pending.set(labels, entry);
        entries.push(entry);
      }
      entry.values.push(value);
      if (entry.values.length >= MAX_BUFFERED) flush();
    },
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let batchStats: () => { batches: number; requests: number } = () => ({ batches: 0, requests: 0 });
  new Gauge({
    name: 'claimflow_meter_batches',
    help: 'Group-commit batches of trial meter uses written by this instance (uses / batches = mean batch size)',
    registers: [registry],
    collect() {
      this.set(batchStats().batches);
    },
  });
  new Gauge({
    name: 'claimflow_meter_batched_uses',
    help: 'Trial meter uses written in group-commit batches by this instance',
    registers: [registry],
    collect() {
      this.set(batchStats().requests);
    },
  });
  return {
    watchMeterBatches: (stats) => {
      batchStats = stats;
    },
    registry,
    siteKeyRequests: hotCounter(
      {
        name: 'claimflow_site_key_requests_total',
        help: 'Public requests (decisions, OFREP, snapshot) by site key name (none: no key) and environment; unknown or revoked keys are refused before counting, so the labels stay bounded by the keys admins created',
        labelNames: ['site_key', 'environment'] as const,
      },
      registry,
    ),
    decisions: hotCounter(
      {
        name: 'claimflow_decisions_total',
        help: 'Decisions answered, by feature, decision and mode (live, dryRun, preview)',
        labelNames: ['feature', 'decision', 'mode'] as const,
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
    metersPruned: new Counter({
      name: 'claimflow_meter_uses_pruned_total',
      help: 'Expired trial meter uses removed from the store by this instance (one instance of a group prunes at a time)',
      registers: [registry],
    }),
    tokensWithoutUserId: new Counter({
      name: 'claimflow_tokens_without_user_id_total',
      help: 'Verified visitor tokens without a usable foreign user id (missing, empty, object, array, boolean), by problem',
      labelNames: ['problem'],
      registers: [registry],
    }),
    jwksFetches: new Counter({
      name: 'claimflow_jwks_fetches_total',
      help: 'Requests to the JWKS keys endpoint, by result (success, http_error, redirect, invalid, too_large, timeout, unreachable)',
      labelNames: ['result'],
      registers: [registry],
    }),
    jwksLastSuccess: new Gauge({
      name: 'claimflow_jwks_last_success_timestamp_seconds',
      help: 'When the JWKS keys endpoint was last fetched successfully (Unix time, seconds)',
      registers: [registry],
    }),
  };
}
