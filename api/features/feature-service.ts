/** Feature operations shared by admin routes, previews and replay: load a version, compile a draft, publish. */
import {
  ClaimflowError,
  type CompiledFeature,
  CompiledFeatureSchema,
  compileGraph,
  ENTRY_KIND,
  type Problem,
  validateGraph,
} from '../../engine';
import type { Against } from '../replay/replay-service';
import type { Runtime } from '../runtime/runtime';
import type { Store } from '../store/store';
import { getFeatureOr404 } from './get-feature';

/** Publish, promote and roll back per environment, and change requests: see ./release.ts. */
export {
  applyChangeRequest,
  approveChangeRequest,
  liveVersionIn,
  liveVersions,
  promote,
  publish,
  type ReleaseBy,
  type ReleaseContext,
  type ReleaseOutcome,
  rollback,
} from './release';

/** An empty draft: one entry (start) node, where every new feature begins. */
export function emptyGraph() {
  return { nodes: [{ id: 'start', type: ENTRY_KIND, position: { x: 0, y: 0 }, data: {} }], edges: [] };
}

export { getFeatureOr404 } from './get-feature';

/**
 * Throws 422 CF_ENTITLEMENT_UNKNOWN naming `${field}.${i}` for the first id not in the entitlement tree (the store
 * checks again inside its write transaction; this names the request's field).
 */
export async function checkEntitlementsExist(
  store: Store,
  ids: readonly string[] | undefined,
  field: string,
): Promise<void> {
  if (!ids?.length) return;
  const known = new Set((await store.listEntitlements()).map((e) => e.id));
  ids.forEach((e, i) => {
    if (!known.has(e))
      throw new ClaimflowError('CF_ENTITLEMENT_UNKNOWN', `entitlement "${e}" does not exist`, {
        field: `${field}.${i}`,
      });
  });
}

/** Validates a graph with the live catalogue. */
export function validateWithCatalogue(
  runtime: Runtime,
  graph: unknown,
  mode: 'draft' | 'publish',
): { ok: boolean; problems: Problem[] } {
  const { ok, problems } = validateGraph(graph, { mode, catalogue: { productIds: runtime.productIds } });
  return { ok, problems };
}

/** The compiled rules of the draft (draft mode: unconnected branches allowed), a version, or the published one. */
export async function compiledFor(
  store: Store,
  runtime: Runtime,
  featureId: string,
  against: Against,
): Promise<{ compiled: CompiledFeature; version: number | 'draft'; graph: unknown }> {
  const feature = await getFeatureOr404(store, featureId);
  if (against === 'draft') {
    const compiled = compileGraph(feature.draft, { mode: 'draft', catalogue: { productIds: runtime.productIds } });
    return { compiled, version: 'draft', graph: feature.draft };
  }
  const version = against === 'published' ? feature.publishedVersion : against;
  if (version === null)
    throw new ClaimflowError('CF_FEATURE_NOT_PUBLISHED', `feature "${featureId}" has no published version yet`, {
      field: 'against',
    });
  const live = runtime.features.get(featureId)?.published;
  if (live && live.version === version) return { compiled: live.compiled, version, graph: null };
  const row = await store.getVersion(featureId, version);
  if (!row)
    throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${featureId}" has no version ${version}`, {
      field: 'version',
    });
  const parsed = CompiledFeatureSchema.safeParse(row.compiled);
  if (!parsed.success)
    throw new ClaimflowError('CF_INTERNAL', `stored version ${version} of "${featureId}" is unreadable`);
  return { compiled: parsed.data, version, graph: row.graph };
}

/** True when the draft differs from the published graph (nodes and edges, positions included). */
export function draftDiffers(draft: unknown, publishedGraph: unknown): boolean {
  return JSON.stringify(draft) !== JSON.stringify(publishedGraph);
}
