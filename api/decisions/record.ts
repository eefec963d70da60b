/**
 * The opt-in decision log: a sampled share of live decisions is written with the claims redacted (configured claim
 * names replaced before anything leaves memory) and the log trimmed to a bounded number of rows per feature.
 */
import { parsePropertyPath } from '../../engine';
import type { Runtime } from '../runtime/runtime';
import type { Store } from '../store/store';

export const REDACTED = '[redacted]';

/** A deep copy of `claims` with every configured path replaced by "[redacted]". */
export function redactClaims(
  claims: Record<string, unknown> | null,
  paths: readonly string[],
): Record<string, unknown> | null {
  if (claims === null) return null;
  const copy = structuredClone(claims);
  for (const p of paths) {
    const parsed = parsePropertyPath(p);
    if (!parsed.ok) continue;
    let cur: unknown = copy;
    const segs = parsed.segments;
    for (let i = 0; i < segs.length && cur !== null && typeof cur === 'object'; i++) {
      const obj = cur as Record<string, unknown>;
      if (!Object.hasOwn(obj, segs[i])) break;
      if (i === segs.length - 1) obj[segs[i]] = REDACTED;
      else cur = obj[segs[i]];
    }
  }
  return copy;
}

export function recordSample(
  deps: { runtime: Pick<Runtime, 'recording'>; store: Store; log: { warn(obj: unknown, msg?: string): void } },
  featureId: string,
  version: number,
  input: { claims: Record<string, unknown> | null; context: unknown; tokenStatus: string; now: number },
  decision: { decision: string | null; path: string[] },
): void {
  const rec = deps.runtime.recording;
  if (!rec.enabled || rec.sampleRate <= 0 || Math.random() >= rec.sampleRate) return;
  const entry = {
    featureId,
    version,
    at: new Date(input.now).toISOString(),
    input: {
      claims: redactClaims(input.claims, rec.redactClaims),
      context: input.context,
      tokenStatus: input.tokenStatus,
      now: new Date(input.now).toISOString(),
    },
    decision: decision.decision,
    path: decision.path,
  };
  void (async () => {
    try {
      await deps.store.appendDecisionLog(entry);
      await deps.store.trimDecisionLog(featureId, rec.maxRows);
    } catch (error) {
      deps.log.warn({ err: error, featureId }, 'decision log write failed');
    }
  })();
}
