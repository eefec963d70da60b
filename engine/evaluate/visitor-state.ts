/**
 * Per-visitor state of a compiled feature (split-test assignments, meters), gathered from each node kind's
 * `visitorState` hooks: the API, replay and the SDK drive state through these functions and never name a kind.
 */
import type { CompiledFeature } from '../compile/compiled-feature';
import type { MeterUse, StateFacts } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/registry';

export type { MeterUse, StateFacts } from '../nodes/node-definition';

/** Empty per-visitor facts, to fill with `assignState` and meter states. */
export function emptyState(): StateFacts {
  return { buckets: {}, trials: {} };
}

/**
 * Writes the state computed from the visitor key alone (sticky assignments) of every node of `compiled` into
 * `facts` (default: fresh empty state) and returns it.
 * @example decisionFacts({ ..., ...assignState(compiled, visitorKey) })
 */
export function assignState(compiled: CompiledFeature, visitorKey: string, facts = emptyState()): StateFacts {
  for (const assign of assignersOf(compiled)) assign(visitorKey, facts);
  return facts;
}

type Assigner = (visitorKey: string, facts: StateFacts) => void;
const assignersCache = new WeakMap<CompiledFeature, Assigner[]>();

/** The nodes of a compiled feature that assign state, found once per compiled version (decisions run this per request). */
function assignersOf(compiled: CompiledFeature): Assigner[] {
  let assigners = assignersCache.get(compiled);
  if (assigners) return assigners;
  assigners = [];
  for (const n of compiled.nodes) {
    const assign = nodeDefinition(n.type).visitorState?.assign;
    if (assign) assigners.push((visitorKey, facts) => assign(n.data, n.id, visitorKey, facts));
  }
  assignersCache.set(compiled, assigners);
  return assigners;
}

const metersCache = new WeakMap<CompiledFeature, { featureId: string; meters: MeterUse[] }>();

/** The meters of a compiled feature, in node order (found once per compiled version and feature id). */
export function meterUses(compiled: CompiledFeature, featureId: string): MeterUse[] {
  const hit = metersCache.get(compiled);
  if (hit && hit.featureId === featureId) return hit.meters;
  const meters: MeterUse[] = [];
  for (const n of compiled.nodes) {
    const m = nodeDefinition(n.type).visitorState?.meter?.(n.data, n.id, featureId);
    if (m) meters.push(m);
  }
  metersCache.set(compiled, { featureId, meters });
  return meters;
}

/** What per-visitor state a compiled feature keeps: assigned (computed locally) and/or metered (kept by the service). */
export function visitorStateKinds(compiled: CompiledFeature): { assigned: boolean; metered: boolean } {
  let assigned = false;
  let metered = false;
  for (const n of compiled.nodes) {
    const hooks = nodeDefinition(n.type).visitorState;
    if (hooks?.assign) assigned = true;
    if (hooks?.meter) metered = true;
  }
  return { assigned, metered };
}
