/**
 * The release flow of a feature, per environment: publish the draft, promote the version live in one environment to
 * another, roll back to a former version; and change requests where an environment requires approval.
 *
 * Callers (admin routes, scheduled changes, webhooks) use `publish`, `promote` and `rollback`: each answers
 * `{status: 'live', version}` when the change went live, or `{status: 'pendingApproval', changeRequest}` when the
 * environment requires approval (the request holds the diff against live, the suite results and the impact on recorded
 * decisions). `approved: true` skips the approval check (an approved change request or schedule going live).
 * Every write is audited in the store transaction that makes it.
 */

import { randomUUID } from 'node:crypto';
import {
  ClaimflowError,
  type CompiledFeature,
  CompiledFeatureSchema,
  compileGraph,
  impact,
  parseSuite,
  type ReplayCase,
} from '../../engine';
import type { AppContext } from '../app-context';
import type { Role } from '../contract/accounts';
import type { ChangeRequest as ChangeRequestContract } from '../contract/release';
import type { EventEmitter } from '../events/emitter';
import type { ClaimflowEvent } from '../events/event-types';
import { graphDiff } from '../release/graph-diff';
import { caseFacts, logCase, replay, verifyCaseTokens } from '../replay/replay-service';
import { replayTarget } from '../replay/replay-target';
import { resolveScheduleTime } from '../schedules/schedule-time';
import { scheduleView } from '../store/release/release-store';
import type { Actor, AuditDraft, ChangeRequest, ChangeRequestEntry, Feature, Version } from '../store/store';
import { requireSuitesPass } from './suite-gate';

export type ReleaseContext = Pick<AppContext, 'store' | 'runtime' | 'environments' | 'schedules'> & {
  /** Announces what went live and what happened to change requests (webhooks); absent: nothing is announced. */
  events?: EventEmitter;
};

/** Queues the webhook event; never fails the change that already happened (the emitter logs its own failures). */
const announce = (ctx: ReleaseContext, event: ClaimflowEvent) => void ctx.events?.emit(event);

const crEvent = (
  type: `change_request.${'opened' | 'approved' | 'rejected' | 'withdrawn' | 'applied'}`,
  cr: ChangeRequest,
  actor: Actor,
  comment: string | null,
): ClaimflowEvent => ({
  type,
  data: {
    changeRequestId: cr.id,
    featureId: cr.featureId,
    environment: cr.environment,
    action: cr.action,
    actor: { type: actor.type, id: actor.id, name: actor.name },
    comment,
  },
});

export interface ReleaseBy {
  /** Who asks (audited; the author of a change request). */
  actor: Actor;
  /** The author recorded on a new version. */
  author: string;
  note?: string;
  /** Skip the approval check: an approved change request, or a change approved before it was scheduled. */
  approved?: boolean;
  /** Where approval is required: the change request goes live at this time once approved (see `goLiveOf`). */
  goLive?: GoLive;
}

/** A change request's go-live time (the scheduled change that applies it is named at the last approval). */
export type GoLive = NonNullable<ChangeRequest['goLive']>;

/**
 * The go-live time given as `at` (wall-clock time or instant) in `timeZone`; undefined when neither is given.
 * Throws CF_REQUEST_INVALID when only one is given, CF_SCHEDULE_TIME_INVALID when unreadable or not in the future.
 * @example goLiveOf('2026-11-27T00:00', 'Europe/Berlin') // { runAt: '2026-11-26T23:00:00.000Z', ... }
 */
export function goLiveOf(at: string | undefined, timeZone: string | undefined): GoLive | undefined {
  if (at === undefined && timeZone === undefined) return undefined;
  if (at === undefined || timeZone === undefined) {
    const field = at === undefined ? 'body.at' : 'body.timeZone';
    throw new ClaimflowError('CF_REQUEST_INVALID', `${field}: a go-live time needs both at and timeZone`, { field });
  }
  const { runAt, localTime } = resolveScheduleTime(at, timeZone);
  if (runAt <= Date.now())
    throw new ClaimflowError('CF_SCHEDULE_TIME_INVALID', `${localTime} ${timeZone} is not in the future`, {
      field: 'body.at',
    });
  return { runAt: new Date(runAt).toISOString(), timeZone, localTime, scheduleId: null };
}

export type ReleaseOutcome =
  | { status: 'live'; environment: string; version: number; createdAt?: string; rolledBackFrom?: number }
  | { status: 'pendingApproval'; environment: string; changeRequest: ChangeRequest };

/** What goes live: a new version from a graph (publish, rollback) or an existing version (promote). */
type Proposal = ChangeRequest['proposal'];

const getFeature = async (ctx: ReleaseContext, id: string): Promise<Feature> => {
  const f = await ctx.store.getFeature(id);
  if (!f) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
  return f;
};

/** The version live in an environment, read from the store (exact, for staleness checks); null: none. */
export async function liveVersionIn(
  ctx: ReleaseContext,
  featureId: string,
  environment: string,
): Promise<number | null> {
  const key = ctx.environments.storeKey(environment);
  if (key === undefined) return (await getFeature(ctx, featureId)).publishedVersion;
  return (await ctx.store.listLive(featureId)).find((r) => r.environment === key)?.version ?? null;
}

/** The version live in each configured environment. */
export async function liveVersions(
  ctx: ReleaseContext,
  featureId: string,
): Promise<Array<{ name: string; default: boolean; version: number | null }>> {
  const feature = await getFeature(ctx, featureId);
  const rows = await ctx.store.listLive(featureId);
  return ctx.environments.names.map((name) => {
    const key = ctx.environments.storeKey(name);
    return {
      name,
      default: key === undefined,
      version:
        key === undefined ? feature.publishedVersion : (rows.find((r) => r.environment === key)?.version ?? null),
    };
  });
}

const loadVersion = async (ctx: ReleaseContext, featureId: string, n: number, field: string): Promise<Version> => {
  const v = await ctx.store.getVersion(featureId, n);
  if (!v) throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${featureId}" has no version ${n}`, { field });
  return v;
};

const compiledOf = (v: Version, featureId: string): CompiledFeature => {
  const parsed = CompiledFeatureSchema.safeParse(v.compiled);
  if (!parsed.success)
    throw new ClaimflowError('CF_INTERNAL', `stored version ${v.version} of "${featureId}" is unreadable`);
  return parsed.data;
};

/**
 * Publishes the feature's draft (or `graph`: a draft captured earlier, e.g. by a scheduled change) to `environment`.
 * The catalogue is read from the store: this instance's cached copy may lag a product created on another instance.
 * @example await publish(ctx, 'article', 'staging', { actor, author: 'pm@example.com', note: 'new offer' })
 */
export async function publish(
  ctx: ReleaseContext,
  featureId: string,
  environment: string,
  by: ReleaseBy,
  graph?: unknown,
): Promise<ReleaseOutcome> {
  ctx.environments.check(environment, 'environment');
  const feature = await getFeature(ctx, featureId);
  const source = graph ?? feature.draft;
  const productIds = (await ctx.store.listProducts()).map((p) => p.id);
  const compiled = compileGraph(source, { mode: 'publish', catalogue: { productIds } });
  await requireSuitesPass(ctx, feature, { compiled, version: 'draft' }, 'publishing');
  const proposal: Proposal = { graph: source, compiled, note: by.note ?? '', authorLabel: by.author };
  return release(ctx, feature, environment, 'publish', proposal, by);
}

/**
 * Makes the version live in `from` live in `to` too (same version number).
 * @example await promote(ctx, 'article', 'staging', 'production', { actor, author: 'qa@example.com' })
 */
export async function promote(
  ctx: ReleaseContext,
  featureId: string,
  from: string,
  to: string,
  by: ReleaseBy,
): Promise<ReleaseOutcome> {
  ctx.environments.check(from, 'from');
  ctx.environments.check(to, 'environment');
  if (from === to)
    throw new ClaimflowError('CF_REQUEST_INVALID', 'body.from: promote from another environment than the target', {
      field: 'body.from',
    });
  const feature = await getFeature(ctx, featureId);
  const version = await liveVersionIn(ctx, featureId, from);
  if (version === null)
    throw new ClaimflowError('CF_FEATURE_NOT_PUBLISHED', `feature "${featureId}" has no version live in ${from}`, {
      field: 'body.from',
    });
  const v = await loadVersion(ctx, featureId, version, 'body.from');
  await requireSuitesPass(
    ctx,
    feature,
    { compiled: compiledOf(v, featureId), version },
    `promoting version ${version}`,
  );
  const proposal: Proposal = {
    version,
    fromEnvironment: from,
    note: by.note ?? `promoted from ${from}`,
    authorLabel: by.author,
  };
  return release(ctx, feature, to, 'promote', proposal, by);
}

/**
 * Puts a former version live again in `environment`, as a new version (`rolledBackFrom` names the old one).
 * @example await rollback(ctx, 'article', 'production', 3, { actor, author: 'oncall@example.com' })
 */
export async function rollback(
  ctx: ReleaseContext,
  featureId: string,
  environment: string,
  version: number,
  by: ReleaseBy,
): Promise<ReleaseOutcome> {
  ctx.environments.check(environment, 'environment');
  const feature = await getFeature(ctx, featureId);
  const old = await loadVersion(ctx, featureId, version, 'version');
  const compiled = compiledOf(old, featureId);
  await requireSuitesPass(ctx, feature, { compiled, version: old.version }, `rolling back to version ${old.version}`);
  const proposal: Proposal = {
    version: old.version,
    graph: old.graph,
    compiled: old.compiled,
    note: by.note ?? `rollback to version ${old.version}`,
    authorLabel: by.author,
  };
  return release(ctx, feature, environment, 'rollback', proposal, by);
}

async function release(
  ctx: ReleaseContext,
  feature: Feature,
  environment: string,
  action: ChangeRequest['action'],
  proposal: Proposal,
  by: ReleaseBy,
): Promise<ReleaseOutcome> {
  const settings = await ctx.environments.settingsOf(ctx.store, environment);
  if (by.goLive && !settings.requiresApproval)
    throw new ClaimflowError(
      'CF_REQUEST_INVALID',
      `body.at: ${environment} does not require approval; schedule the change with POST /admin/v1/schedules`,
      { field: 'body.at' },
    );
  if (settings.requiresApproval && !by.approved) {
    const base = await liveVersionIn(ctx, feature.id, environment);
    const now = new Date().toISOString();
    const cr: ChangeRequest = {
      id: randomUUID(),
      featureId: feature.id,
      environment,
      action,
      status: 'open',
      author: by.actor,
      baseVersion: base,
      proposal,
      review: await reviewOf(ctx, feature, environment, base, proposal),
      approvalsNeeded: settings.approvalsNeeded,
      history: [{ at: now, actor: by.actor, kind: 'open', text: proposal.note }],
      appliedVersion: null,
      goLive: by.goLive ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const created = await ctx.store.createChangeRequest(cr, {
      actor: by.actor,
      action: 'changeRequest.open',
      target: `feature:${feature.id}`,
      after: { changeRequest: cr.id, environment, action, baseVersion: base, version: proposal.version ?? null },
    });
    announce(ctx, crEvent('change_request.opened', created, by.actor, proposal.note || null));
    return { status: 'pendingApproval', environment, changeRequest: created };
  }
  return goLive(ctx, feature, environment, action, proposal, by);
}

async function goLive(
  ctx: ReleaseContext,
  feature: Feature,
  environment: string,
  action: ChangeRequest['action'],
  proposal: Proposal,
  by: ReleaseBy,
): Promise<ReleaseOutcome> {
  const key = ctx.environments.storeKey(environment);
  const before = await liveVersionIn(ctx, feature.id, environment);
  const target = `feature:${feature.id}`;
  // The default environment keeps the audit shape from before environments (publishedVersion).
  const beforeOf = key === undefined ? { publishedVersion: before } : { environment, version: before };
  if (action === 'promote') {
    const version = proposal.version as number;
    await ctx.store.setLive(feature.id, key, version, {
      actor: by.actor,
      action: 'feature.promote',
      target,
      before: beforeOf,
      after: { environment, version, from: proposal.fromEnvironment ?? null },
    });
    await ctx.runtime.reloadFeature(feature.id);
    announce(ctx, {
      type: 'feature.promoted',
      data: {
        featureId: feature.id,
        fromEnvironment: proposal.fromEnvironment ?? environment,
        environment,
        version,
        author: by.author,
      },
    });
    return { status: 'live', environment, version };
  }
  const rolledBackFrom = action === 'rollback' ? proposal.version : undefined;
  const audit: AuditDraft<Version> = {
    actor: by.actor,
    action: action === 'rollback' ? 'feature.rollback' : 'feature.publish',
    target,
    before: beforeOf,
    afterOf: (v) =>
      key === undefined
        ? rolledBackFrom === undefined
          ? { publishedVersion: v.version, note: v.note }
          : { publishedVersion: v.version, rolledBackFrom }
        : { environment, version: v.version, note: v.note, ...(rolledBackFrom ? { rolledBackFrom } : {}) },
  };
  const v = await ctx.store.publishVersion(
    feature.id,
    {
      graph: proposal.graph,
      compiled: proposal.compiled,
      author: proposal.authorLabel,
      note: proposal.note,
      ...(rolledBackFrom === undefined ? {} : { rolledBackFrom }),
      ...(key === undefined ? {} : { environment: key }),
    },
    audit,
  );
  await ctx.runtime.reloadFeature(feature.id);
  announce(
    ctx,
    rolledBackFrom === undefined
      ? {
          type: 'feature.published',
          data: { featureId: feature.id, environment, version: v.version, author: by.author, note: v.note },
        }
      : {
          type: 'feature.rolled_back',
          data: { featureId: feature.id, environment, version: v.version, rolledBackFrom, author: by.author },
        },
  );
  return {
    status: 'live',
    environment,
    version: v.version,
    createdAt: v.createdAt,
    ...(rolledBackFrom === undefined ? {} : { rolledBackFrom }),
  };
}

/** Diff against live, the feature's suite results and the impact on recorded decisions of the proposed version. */
async function reviewOf(
  ctx: ReleaseContext,
  feature: Feature,
  environment: string,
  base: number | null,
  proposal: Proposal,
) {
  const live = base === null ? null : await ctx.store.getVersion(feature.id, base);
  const source =
    proposal.compiled === undefined && proposal.version !== undefined
      ? await ctx.store.getVersion(feature.id, proposal.version)
      : null;
  const graph = proposal.graph ?? source?.graph ?? null;
  const compiled = CompiledFeatureSchema.parse(proposal.compiled ?? source?.compiled);
  const candidate = { compiled, version: (proposal.version ?? 'draft') as number | 'draft' };
  const target = await replayTarget(ctx, feature.id, candidate);
  const suites = [];
  for (const suite of await ctx.store.listSuites(feature.id)) {
    const parsed = parseSuite({ name: suite.name, cases: suite.cases });
    if (!parsed.ok) {
      suites.push({ suite: suite.name, total: 0, passed: 0, failed: 0, failing: [], invalid: true });
      continue;
    }
    const run = await replay(target, parsed.suite.cases as ReplayCase[]);
    const failing = run.results.filter((r) => !r.pass).map((r) => ({ case: r.name, mismatches: r.mismatches }));
    suites.push({
      suite: suite.name,
      total: run.results.length,
      passed: run.results.length - failing.length,
      failed: failing.length,
      failing: failing.slice(0, 20),
    });
  }
  let impactOnLog: unknown = null;
  if (live) {
    const liveCompiled = CompiledFeatureSchema.safeParse(live.compiled);
    if (liveCompiled.success) {
      const cases = (await ctx.store.listDecisionLog(feature.id, { limit: 1000 })).map((e, i) => logCase(e, i));
      const verified = await verifyCaseTokens(target, cases);
      const inputs = cases.map((c) => ({
        name: c.name,
        facts: caseFacts(target, [liveCompiled.data, compiled], c, verified),
      }));
      const result = impact(liveCompiled.data, compiled, inputs);
      impactOnLog = { ...result, rows: result.rows.slice(0, 50) };
    }
  }
  return {
    environment,
    from: base,
    diff: graphDiff(live?.graph ?? null, graph),
    suites,
    impact: impactOnLog,
  };
}

// ---- change requests ----

const who = (a: Actor) => `${a.type}:${a.id ?? a.name}`;

/** Approvals given since the request was opened or last refreshed. */
export function approvalsOf(cr: ChangeRequest): ChangeRequestEntry[] {
  const out: ChangeRequestEntry[] = [];
  for (const e of cr.history) {
    if (e.kind === 'refresh') out.length = 0;
    if (e.kind === 'approve') out.push(e);
  }
  return out;
}

export async function getChangeRequestOr404(ctx: ReleaseContext, id: string): Promise<ChangeRequest> {
  const cr = await ctx.store.getChangeRequest(id);
  if (!cr) throw new ClaimflowError('CF_CHANGE_REQUEST_NOT_FOUND', `no change request "${id}"`, { field: 'id' });
  return cr;
}

const requireOpen = (cr: ChangeRequest) => {
  if (cr.status !== 'open')
    throw new ClaimflowError('CF_CHANGE_REQUEST_CLOSED', `change request ${cr.id} is ${cr.status}`, {
      field: 'id',
    });
};

const entry = (actor: Actor, kind: ChangeRequestEntry['kind'], text: string): ChangeRequestEntry => ({
  at: new Date().toISOString(),
  actor,
  kind,
  text,
});

const crAudit = (actor: Actor, action: string, cr: ChangeRequest, extra: object = {}): AuditDraft<ChangeRequest> => ({
  actor,
  action: `changeRequest.${action}`,
  target: `feature:${cr.featureId}`,
  before: { changeRequest: cr.id, status: cr.status },
  afterOf: (next) => ({ changeRequest: next.id, status: next.status, environment: next.environment, ...extra }),
});

/**
 * A publisher other than the author approves; when the approvals needed are reached the change goes live, or, when
 * the request has a go-live time still ahead (given when it was opened, or now by `options.goLive`), it becomes
 * `approved` and a scheduled change (exactly once across instances) applies it at that time. Throws
 * CF_APPROVAL_FORBIDDEN (author, or approved already), CF_CHANGE_REQUEST_STALE (the live version moved: refresh
 * first), CF_CHANGE_REQUEST_CLOSED.
 */
export async function approveChangeRequest(
  ctx: ReleaseContext,
  id: string,
  reviewer: { actor: Actor; role: Role },
  comment: string,
  options: { goLive?: GoLive } = {},
): Promise<{ changeRequest: ChangeRequest; outcome: ReleaseOutcome | null }> {
  const current = await getChangeRequestOr404(ctx, id);
  requireOpen(current);
  const live = await liveVersionIn(ctx, current.featureId, current.environment);
  const schedules = ctx.schedules;
  const approved = await ctx.store.updateChangeRequest(
    id,
    (cr) => {
      requireOpen(cr);
      if (who(cr.author) === who(reviewer.actor))
        throw new ClaimflowError('CF_APPROVAL_FORBIDDEN', 'the author of a change request cannot approve it', {
          field: 'id',
        });
      if (approvalsOf(cr).some((a) => who(a.actor) === who(reviewer.actor)))
        throw new ClaimflowError('CF_APPROVAL_FORBIDDEN', 'you have approved this change request already', {
          field: 'id',
        });
      if (live !== cr.baseVersion)
        throw new ClaimflowError(
          'CF_CHANGE_REQUEST_STALE',
          `the version live in ${cr.environment} is now ${live ?? 'none'}, not ${cr.baseVersion ?? 'none'} as when the request was opened: refresh it first`,
          { field: 'baseVersion' },
          { baseVersion: cr.baseVersion, liveVersion: live },
        );
      const history = [...cr.history, entry(reviewer.actor, 'approve', comment)];
      const goLive = options.goLive ?? cr.goLive ?? null;
      const next = { ...cr, history, goLive };
      if (approvalsOf(next).length < cr.approvalsNeeded) return next;
      // the time is still ahead: a scheduled change (created below, with this id) applies it then
      if (goLive && Date.parse(goLive.runAt) > Date.now()) {
        if (!schedules) throw new ClaimflowError('CF_INTERNAL', 'scheduled changes are not available here');
        return { ...next, status: 'approved' as const, goLive: { ...goLive, scheduleId: randomUUID() } };
      }
      return { ...next, status: 'approved' as const };
    },
    crAudit(reviewer.actor, 'approve', current, { comment }),
  );
  if (approved.status === 'approved')
    announce(ctx, crEvent('change_request.approved', approved, reviewer.actor, comment || null));
  if (approved.status !== 'approved') return { changeRequest: approved, outcome: null };
  const scheduleId = approved.goLive?.scheduleId;
  if (approved.goLive && scheduleId && schedules) {
    await schedules.createSchedule(
      {
        id: scheduleId,
        featureId: approved.featureId,
        environment: approved.environment,
        action: approved.action,
        version: approved.proposal.version ?? null,
        snapshot: null,
        fromEnvironment: approved.proposal.fromEnvironment ?? null,
        runAt: Date.parse(approved.goLive.runAt),
        timeZone: approved.goLive.timeZone,
        localTime: approved.goLive.localTime,
        note: `change request ${approved.id}`,
        createdBy: reviewer.actor,
        changeRequestId: approved.id,
      },
      {
        actor: reviewer.actor,
        action: 'schedule.create',
        target: `schedule:${scheduleId}`,
        afterOf: (s) => scheduleView(s as Parameters<typeof scheduleView>[0]),
      },
    );
    return { changeRequest: approved, outcome: null };
  }
  return applyChangeRequest(ctx, approved);
}

/**
 * Run by the scheduled change created at the last approval, at the request's go-live time. A request applied already
 * (an instance died after applying it, before marking its schedule done) is not applied twice.
 */
export async function applyScheduledChangeRequest(
  ctx: ReleaseContext,
  id: string,
  marker: string,
): Promise<{ version: number | null; changeRequestId: string }> {
  const cr = await getChangeRequestOr404(ctx, id);
  if (cr.status === 'applied') return { version: cr.appliedVersion, changeRequestId: id };
  if (cr.status !== 'approved')
    throw new ClaimflowError('CF_CHANGE_REQUEST_CLOSED', `change request ${id} is ${cr.status}, not approved`, {
      field: 'changeRequestId',
    });
  // publish and rollback make a new version: one carrying `marker` was made by an instance that died before
  // recording it (a promotion sets the same version live again, harmlessly)
  if (cr.action !== 'promote') {
    const made = (await ctx.store.listVersions(cr.featureId)).find((v) => v.note.includes(marker));
    if (made) return { version: (await markApplied(ctx, cr, made.version)).appliedVersion, changeRequestId: id };
  }
  const { outcome } = await applyChangeRequest(ctx, cr, { marker });
  return { version: outcome?.status === 'live' ? outcome.version : null, changeRequestId: id };
}

/** An approved request still waiting for its go-live time can be withdrawn or rejected (its schedule is cancelled). */
const waitingToGoLive = (cr: ChangeRequest) => cr.status === 'approved' && Boolean(cr.goLive?.scheduleId);

const requireOpenOrWaiting = (cr: ChangeRequest) => {
  if (!waitingToGoLive(cr)) requireOpen(cr);
};

/**
 * Cancels the pending scheduled change of an approved request waiting for its go-live time (before the request is
 * withdrawn or rejected). Throws CF_CHANGE_REQUEST_CLOSED when it is running or ran already.
 */
async function cancelGoLive(ctx: ReleaseContext, cr: ChangeRequest, actor: Actor): Promise<void> {
  const scheduleId = cr.goLive?.scheduleId;
  if (!waitingToGoLive(cr) || !scheduleId || !ctx.schedules) return;
  const s = await ctx.schedules.getSchedule(scheduleId);
  if (!s || s.status === 'cancelled') return;
  const goingLive = () =>
    new ClaimflowError('CF_CHANGE_REQUEST_CLOSED', `change request ${cr.id} is going live or went live already`, {
      field: 'id',
    });
  if (s.status !== 'pending') throw goingLive();
  try {
    await ctx.schedules.cancelSchedule(scheduleId, {
      actor,
      action: 'schedule.cancel',
      target: `schedule:${scheduleId}`,
      before: { status: 'pending' },
      after: { status: 'cancelled', changeRequest: cr.id },
    });
  } catch (error) {
    if (error instanceof ClaimflowError && error.code === 'CF_SCHEDULE_NOT_PENDING') throw goingLive();
    throw error;
  }
}

/**
 * Makes an approved change request live (called on the last approval, or by a scheduled change at its time).
 * On failure (suite gate, a product deleted meanwhile) the request is marked failed with the reason.
 */
export async function applyChangeRequest(
  ctx: ReleaseContext,
  cr: ChangeRequest,
  options: { marker?: string } = {},
): Promise<{ changeRequest: ChangeRequest; outcome: ReleaseOutcome | null }> {
  const system: Actor = { type: 'system', id: null, name: 'change request' };
  try {
    const feature = await getFeature(ctx, cr.featureId);
    // a scheduled application marks the version it makes, so a re-claimed schedule finds it (see below)
    let proposal = options.marker
      ? { ...cr.proposal, note: `${cr.proposal.note ? `${cr.proposal.note} ` : ''}${options.marker}` }
      : cr.proposal;
    if (cr.action === 'promote' || cr.action === 'rollback') {
      // promotion goes live with its version as it was approved; rollback re-reads the old version's graph
      if (cr.action === 'rollback' && proposal.graph === undefined) {
        const v = await loadVersion(ctx, cr.featureId, proposal.version as number, 'version');
        proposal = { ...proposal, graph: v.graph, compiled: v.compiled };
      }
    }
    const outcome = await goLive(ctx, feature, cr.environment, cr.action, proposal, {
      actor: cr.author,
      author: cr.proposal.authorLabel,
      approved: true,
    });
    const version = outcome.status === 'live' ? outcome.version : null;
    return { changeRequest: await markApplied(ctx, cr, version), outcome };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.store.updateChangeRequest(
      cr.id,
      (c) => ({ ...c, status: 'failed', history: [...c.history, entry(system, 'failed', message)] }),
      crAudit(system, 'fail', cr, { reason: message }),
    );
    throw error;
  }
}

/** Records what an approved request made live (the version), with its audit entry, and announces it. */
async function markApplied(ctx: ReleaseContext, cr: ChangeRequest, version: number | null): Promise<ChangeRequest> {
  const system: Actor = { type: 'system', id: null, name: 'change request' };
  const approvers = approvalsOf(cr)
    .map((a) => a.actor.name)
    .join(', ');
  const done = await ctx.store.updateChangeRequest(
    cr.id,
    (c) => ({
      ...c,
      status: 'applied',
      appliedVersion: version,
      history: [
        ...c.history,
        entry(system, 'applied', `version ${version} live in ${c.environment} (approved by ${approvers})`),
      ],
    }),
    crAudit(system, 'apply', cr, { version }),
  );
  announce(ctx, crEvent('change_request.applied', done, system, null));
  return done;
}

/** A publisher other than the author rejects, with a comment. */
export async function rejectChangeRequest(
  ctx: ReleaseContext,
  id: string,
  reviewer: { actor: Actor },
  comment: string,
): Promise<ChangeRequest> {
  const current = await getChangeRequestOr404(ctx, id);
  requireOpenOrWaiting(current);
  if (who(current.author) !== who(reviewer.actor)) await cancelGoLive(ctx, current, reviewer.actor);
  const rejected = await ctx.store.updateChangeRequest(
    id,
    (cr) => {
      requireOpenOrWaiting(cr);
      if (who(cr.author) === who(reviewer.actor))
        throw new ClaimflowError(
          'CF_APPROVAL_FORBIDDEN',
          'the author of a change request cannot reject it (withdraw it instead)',
          { field: 'id' },
        );
      return { ...cr, status: 'rejected', history: [...cr.history, entry(reviewer.actor, 'reject', comment)] };
    },
    crAudit(reviewer.actor, 'reject', current, { comment }),
  );
  announce(ctx, crEvent('change_request.rejected', rejected, reviewer.actor, comment || null));
  return rejected;
}

/** The author withdraws an open request. */
export async function withdrawChangeRequest(
  ctx: ReleaseContext,
  id: string,
  by: { actor: Actor },
  comment: string,
): Promise<ChangeRequest> {
  const current = await getChangeRequestOr404(ctx, id);
  requireOpenOrWaiting(current);
  if (who(current.author) === who(by.actor)) await cancelGoLive(ctx, current, by.actor);
  const withdrawn = await ctx.store.updateChangeRequest(
    id,
    (cr) => {
      requireOpenOrWaiting(cr);
      if (who(cr.author) !== who(by.actor))
        throw new ClaimflowError('CF_APPROVAL_FORBIDDEN', 'only the author can withdraw a change request', {
          field: 'id',
        });
      return { ...cr, status: 'withdrawn', history: [...cr.history, entry(by.actor, 'withdraw', comment)] };
    },
    crAudit(by.actor, 'withdraw', current, { comment }),
  );
  announce(ctx, crEvent('change_request.withdrawn', withdrawn, by.actor, comment || null));
  return withdrawn;
}

/** A comment on an open or closed request (anyone who can read it). */
export async function commentOnChangeRequest(
  ctx: ReleaseContext,
  id: string,
  by: { actor: Actor },
  comment: string,
): Promise<ChangeRequest> {
  const current = await getChangeRequestOr404(ctx, id);
  return ctx.store.updateChangeRequest(
    id,
    (cr) => ({ ...cr, history: [...cr.history, entry(by.actor, 'comment', comment)] }),
    crAudit(by.actor, 'comment', current),
  );
}

/**
 * Rebases an open request on the version live now: the review (diff, suites, impact) is computed again and earlier
 * approvals no longer count.
 */
export async function refreshChangeRequest(
  ctx: ReleaseContext,
  id: string,
  by: { actor: Actor },
): Promise<ChangeRequest> {
  const current = await getChangeRequestOr404(ctx, id);
  requireOpen(current);
  const feature = await getFeature(ctx, current.featureId);
  const base = await liveVersionIn(ctx, current.featureId, current.environment);
  const review = await reviewOf(ctx, feature, current.environment, base, current.proposal);
  return ctx.store.updateChangeRequest(
    id,
    (cr) => {
      requireOpen(cr);
      return {
        ...cr,
        baseVersion: base,
        review,
        history: [...cr.history, entry(by.actor, 'refresh', `rebased on version ${base ?? 'none'}`)],
      };
    },
    crAudit(by.actor, 'refresh', current, { baseVersion: base }),
  );
}

/** The public view: the proposal without its graph and compiled rules (the review has the diff), approvals counted. */
/** A release waiting for approval, as answered (202): the change request in its view. */
export function pendingView(out: Extract<ReleaseOutcome, { status: 'pendingApproval' }>) {
  return { ...out, changeRequest: changeRequestView(out.changeRequest) };
}

export function changeRequestView(cr: ChangeRequest) {
  const { graph: _g, compiled: _c, ...proposal } = cr.proposal;
  // the store keeps the review as JSON; it is what reviewOf built (the contract's shape, checked in tests)
  const review = cr.review as ChangeRequestContract['review'];
  return { ...cr, review, proposal, approvals: approvalsOf(cr).length, goLive: cr.goLive ?? null };
}
