/**
 * The one place scheduled changes call the feature service: publish (a captured draft or a version's graph), promote,
 * roll back, per environment, through `api/features/release.ts`. A change in an environment that requires approval
 * opens a change request instead of going live (the outcome names it).
 */
import { ClaimflowError } from '../../engine';
import type { AppContext } from '../app-context';
import { type ReleaseOutcome as LiveOutcome, promote, publish, type ReleaseBy, rollback } from '../features/release';
import type { Actor } from '../store/store';

type Ctx = Pick<AppContext, 'store' | 'runtime' | 'environments' | 'events'>;

/** The environments a change can target. */
export function knownEnvironments(ctx: Pick<AppContext, 'environments'>): readonly string[] {
  return ctx.environments.names;
}

export interface ReleaseOutcome {
  /** The version now live; null when nothing went live (the environment requires approval). */
  version: number | null;
  /** For rollbacks: the version copied. */
  rolledBackFrom?: number;
  /** When the environment requires approval: the change request opened instead. */
  changeRequestId?: string;
}

const outcomeOf = (o: LiveOutcome): ReleaseOutcome =>
  o.status === 'live'
    ? { version: o.version, ...(o.rolledBackFrom === undefined ? {} : { rolledBackFrom: o.rolledBackFrom }) }
    : { version: null, changeRequestId: o.changeRequest.id };

const byOf = (req: { actor: Actor; author: string; note: string }): ReleaseBy => ({
  actor: req.actor,
  author: req.author,
  note: req.note,
});

/** Publishes `graph` (a captured draft) or an existing version's graph into `environment`. */
export async function publishInEnvironment(
  ctx: Ctx,
  req: {
    featureId: string;
    environment: string;
    graph?: unknown;
    version?: number | null;
    actor: Actor;
    author: string;
    note: string;
  },
): Promise<ReleaseOutcome> {
  let graph = req.graph;
  if (req.version) {
    const v = await ctx.store.getVersion(req.featureId, req.version);
    if (!v)
      throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${req.featureId}" has no version ${req.version}`);
    graph = v.graph;
  }
  return outcomeOf(await publish(ctx, req.featureId, req.environment, byOf(req), graph));
}

/** Rolls `environment` back to `version` (a new version copying it). */
export async function rollbackInEnvironment(
  ctx: Ctx,
  req: { featureId: string; environment: string; version: number; actor: Actor; author: string; note: string },
): Promise<ReleaseOutcome> {
  return outcomeOf(await rollback(ctx, req.featureId, req.environment, req.version, byOf(req)));
}

/** Makes the version live in `from` live in `to`. */
export async function promoteBetweenEnvironments(
  ctx: Ctx,
  req: { featureId: string; from: string; to: string; actor: Actor; author: string; note: string },
): Promise<ReleaseOutcome> {
  return outcomeOf(await promote(ctx, req.featureId, req.from, req.to, byOf(req)));
}

/** The version of a feature whose note carries `marker` (how a re-claimed schedule finds the publish it made). */
export async function versionNoted(ctx: Ctx, featureId: string, marker: string): Promise<number | null> {
  const versions = await ctx.store.listVersions(featureId).catch(() => []);
  return versions.find((v) => v.note.includes(marker))?.version ?? null;
}
