/** Facts that depend on per-visitor state: split-test assignments and the trial meters of a compiled feature. */
import type { CompiledFeature } from '../compile/compiled-feature';
import { assignBucket } from '../nodes/bucket/assign-bucket';
import type { TrialData } from '../nodes/trial/definition';
import { type Period, parsePeriod, windowStart } from '../nodes/trial/period';

/** Bucket node id -> the bucket `visitorId` is assigned to (sticky: same visitor and test, same bucket). */
export function bucketFacts(compiled: CompiledFeature, visitorId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of compiled.nodes) {
    if (n.type !== 'bucket') continue;
    const data = n.data as { testId?: string; buckets: { id: string; weight: number }[] };
    out[n.id] = assignBucket(visitorId, data.testId ?? n.id, data.buckets);
  }
  return out;
}

export interface TrialMeter {
  nodeId: string;
  /** Meters naming the same tracker share one count; default `<featureId>:<nodeId>`. */
  tracker: string;
  data: TrialData;
  period: Period;
}

/** The trial meters of a compiled feature. */
export function trialMeters(compiled: CompiledFeature, featureId: string): TrialMeter[] {
  const out: TrialMeter[] = [];
  for (const n of compiled.nodes) {
    if (n.type !== 'trial') continue;
    const data = n.data as TrialData;
    const parsed = parsePeriod(data.period);
    if (!parsed.ok) throw new TypeError(`trial node ${n.id} has an unvalidated period`);
    out.push({ nodeId: n.id, tracker: data.tracker ?? `${featureId}:${n.id}`, data, period: parsed.period });
  }
  return out;
}

/** The first instant of the meter's current window. */
export function meterWindowStart(meter: TrialMeter, now: number): number {
  return windowStart(meter.period, now, meter.data.timeZone);
}
