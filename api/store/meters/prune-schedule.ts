/**
 * Bounded meter storage: every instance wakes up every `everyMs` and asks the store to prune expired meter uses
 * under a lease of about one interval, so an instance group prunes about once per interval, not once per instance.
 */
import type { MeterStore } from '../store';

export interface MeterPruning {
  meters: Pick<MeterStore, 'pruneMeters'>;
  /** Interval between attempts (ms); 0 disables pruning. */
  everyMs: number;
  onPruned(rows: number): void;
  onError(error: unknown): void;
  now?: () => number;
}

/** Starts the schedule; returns a function that stops it. */
export function scheduleMeterPruning(options: MeterPruning): () => void {
  if (options.everyMs <= 0) return () => undefined;
  const now = options.now ?? Date.now;
  // A lease a little shorter than the interval: timers drift, and the next wake-up must find it expired.
  const leaseMs = Math.floor(options.everyMs * 0.9);
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const rows = await options.meters.pruneMeters(now(), leaseMs);
      if (rows !== null) options.onPruned(rows);
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
