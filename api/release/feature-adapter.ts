/**
 * The one place the release flow (scheduled changes, webhooks) calls the feature service: publish a graph, promote,
 * roll back, per environment. Today there is one environment (`production`) and publishing goes straight to it;
 * when environments land (issue 14 part A, `api/features/feature-service.ts`), these functions are rewired to the
 * per-environment publish, promote and rollback, and nothing else in the release flow changes.
 */
import { ClaimflowError, CompiledFeatureSchema, compileGraph } from '../../engine';
import type { AppContext } from '../app-context';
import { DEFAULT_ENVIRONMENT } from '../events/event-types';
import { getFeatureOr404 } from '../features/feature-service';
import { requireSuitesPass } from '../features/suite-gate';
import type { AuditDraft, Version } from '../store/store';

type Ctx = Pick<AppContext, 'store' | 'runtime'>;

/** The environments a change can target (today only the default one). */
export function knownEnvironments(): string[] {
  return [DEFAULT_ENVIRONMENT];
}

export interface ReleaseOutcome {
  /** The version now live; null when nothing went live (e.g. the environment requires approval). */
  version: number | null;
  /** For rollbacks: the version copied. */
  rolledBackFrom?: number;
  /** When the environment requires approval: the change request opened instead (environments, issue 14 part A). */
  changeRequestId?: string;
}

/** Publishes `graph` (a captured draft) or an existing version's graph into `environment`. */
export async function publishInEnvironment(
  ctx: Ctx,
  req: {
    featureId: string;
    environment: string;
    graph?: unknown;
    version?: number | null;
    author: string;
    note: string;
  },
  audit: AuditDraft<Version>,
): Promise<ReleaseOutcome> {
  const feature = await getFeatureOr404(ctx.store, req.featureId);
  let graph = req.graph;
  if (req.version) {
    const v = await ctx.store.getVersion(feature.id, req.version);
    if (!v) throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${feature.id}" has no version ${req.version}`);
    graph = v.graph;
  }
  // the catalogue as stored now: this instance's cached copy may lag a product created through another instance
  const productIds = new Set((await ctx.store.listProducts()).map((p) => p.id));
  const compiled = compileGraph(graph, { mode: 'publish', catalogue: { productIds } });
  await requireSuitesPass(ctx, feature, { compiled, version: 'draft' }, 'publishing');
  const version = await ctx.store.publishVersion(
    feature.id,
    { graph, compiled, author: req.author, note: req.note },
    audit,
  );
  await ctx.runtime.reloadFeature(feature.id);
  return { version: version.version };
}

/** Rolls `environment` back to `version` (a new version copying it). */
export async function rollbackInEnvironment(
  ctx: Ctx,
  req: { featureId: string; environment: string; version: number; author: string; note: string },
  audit: AuditDraft<Version>,
): Promise<ReleaseOutcome> {
  const feature = await getFeatureOr404(ctx.store, req.featureId);
  const old = await ctx.store.getVersion(feature.id, req.version);
  if (!old) throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${feature.id}" has no version ${req.version}`);
  const compiled = CompiledFeatureSchema.safeParse(old.compiled);
  if (!compiled.success)
    throw new ClaimflowError('CF_INTERNAL', `stored version ${old.version} of "${feature.id}" is unreadable`);
  await requireSuitesPass(
    ctx,
    feature,
    { compiled: compiled.data, version: old.version },
    `rolling back to version ${old.version}`,
  );
  const version = await ctx.store.publishVersion(
    feature.id,
    { graph: old.graph, compiled: old.compiled, author: req.author, note: req.note, rolledBackFrom: old.version },
    audit,
  );
  await ctx.runtime.reloadFeature(feature.id);
  return { version: version.version, rolledBackFrom: old.version };
}

/**
 * Copies the version live in `from` to `to`. With a single environment there is nothing to copy: it answers the
 * live version unchanged (rewired to the feature service's promotion when environments land).
 */
export async function promoteBetweenEnvironments(
  ctx: Ctx,
  req: { featureId: string; from: string; to: string; author: string; note: string },
): Promise<ReleaseOutcome> {
  const feature = await getFeatureOr404(ctx.store, req.featureId);
  if (feature.publishedVersion === null)
    throw new ClaimflowError('CF_FEATURE_NOT_PUBLISHED', `feature "${feature.id}" has nothing live in ${req.from}`);
  return { version: feature.publishedVersion };
}

/** The version of a feature whose note carries `marker` (how a re-claimed schedule finds the publish it made). */
export async function versionNoted(ctx: Ctx, featureId: string, marker: string): Promise<number | null> {
  const versions = await ctx.store.listVersions(featureId).catch(() => []);
  return versions.find((v) => v.note.includes(marker))?.version ?? null;
}
