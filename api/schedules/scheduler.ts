/**
 * Runs scheduled changes when their time comes, exactly once across instances sharing the store: every `pollMs` each
 * instance claims the earliest due schedule with one conditional UPDATE ... RETURNING (a lease of `leaseMs`), runs
 * it through the feature adapter, and marks it done or failed with its audit entry. The version a scheduled publish
 * makes carries `[scheduled change <id>]` in its note, so if an instance dies after publishing but before marking
 * the schedule done, the instance that claims it again when the lease runs out finds that version and does not
 * publish twice. A schedule whose time passed while every instance was down runs at the next start; it records how
 * late it ran and `late: true` when that is beyond `lateAfterMs`. A store outage leaves the claim to expire and the
 * schedule is tried again.
 */
import type { FastifyBaseLogger } from 'fastify';
import { isClaimflowError } from '../../engine/errors/catalogue';
import type { AppContext } from '../app-context';
import type { EventEmitter } from '../events/emitter';
import { applyScheduledChangeRequest } from '../features/release';
import {
  promoteBetweenEnvironments,
  publishInEnvironment,
  type ReleaseOutcome,
  rollbackInEnvironment,
  versionNoted,
} from '../release/feature-adapter';
import type { ClaimedSchedule, ReleaseStore } from '../store/release/release-store';
import type { Actor } from '../store/store';

export interface SchedulerOptions {
  /** How often due schedules are looked for (ms, default 1 000). */
  pollMs?: number;
  /** How long a claim holds before another instance may take the schedule over (ms, default 60 000). */
  leaseMs?: number;
  /** A schedule that ran later than this after its time is marked late (ms, default 60 000). */
  lateAfterMs?: number;
}

export const scheduleMarker = (id: string) => `[scheduled change ${id}]`;

export function startScheduler(
  deps: {
    ctx: Pick<AppContext, 'store' | 'runtime' | 'environments' | 'events'>;
    release: ReleaseStore;
    events: EventEmitter;
    log: FastifyBaseLogger;
  },
  options: SchedulerOptions = {},
): { stop(): Promise<void>; runDue(): Promise<void> } {
  const { ctx, release, events, log } = deps;
  const pollMs = options.pollMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const lateAfterMs = options.lateAfterMs ?? 60_000;
  const instance = `${process.pid}-${crypto.randomUUID()}`;
  let stopped = false;
  let running: Promise<void> | null = null;

  const execute = async (s: ClaimedSchedule) => {
    const startedAt = Date.now();
    const lateByMs = Math.max(0, startedAt - s.runAtMs);
    const late = lateByMs > lateAfterMs;
    const marker = scheduleMarker(s.id);
    const actor: Actor = { type: 'system', id: s.id, name: `scheduled by ${s.createdBy.name}` };
    const author = `${s.createdBy.name} (scheduled)`;
    const note = `${s.note ? `${s.note} ` : ''}${marker}`;
    let outcome: ReleaseOutcome | null = null;
    let error: string | null = null;
    try {
      const already = s.action === 'promote' || s.changeRequestId ? null : await versionNoted(ctx, s.featureId, marker);
      // an approved change request at its go-live time: applied as approved (once; see applyScheduledChangeRequest)
      if (s.changeRequestId) outcome = await applyScheduledChangeRequest(ctx, s.changeRequestId, marker);
      else if (already !== null) outcome = { version: already };
      else if (s.action === 'publish')
        outcome = await publishInEnvironment(ctx, {
          featureId: s.featureId,
          environment: s.environment,
          graph: s.snapshot,
          version: s.version,
          actor,
          author,
          note,
        });
      else if (s.action === 'rollback')
        outcome = await rollbackInEnvironment(ctx, {
          featureId: s.featureId,
          environment: s.environment,
          version: s.version as number,
          actor,
          author,
          note,
        });
      else
        outcome = await promoteBetweenEnvironments(ctx, {
          featureId: s.featureId,
          from: s.fromEnvironment ?? s.environment,
          to: s.environment,
          actor,
          author,
          note,
        });
    } catch (e) {
      if (isClaimflowError(e) && e.code === 'CF_STORE_UNAVAILABLE') {
        log.warn({ err: e, schedule: s.id }, 'scheduled change postponed: the store is unavailable');
        return; // the claim expires and the schedule is tried again
      }
      error = e instanceof Error ? `${isClaimflowError(e) ? `${e.code}: ` : ''}${e.message}` : String(e);
    }
    const ranAt = Date.now();
    const finished = await release.finishSchedule(
      s.id,
      instance,
      { status: error ? 'failed' : 'done', ranAt, lateByMs, result: { ...outcome, late }, error },
      {
        actor,
        action: error ? 'schedule.failed' : 'schedule.run',
        target: `schedule:${s.id}`,
        before: { status: 'pending', runAt: s.runAt },
      },
    );
    if (!finished) return;
    log.info({ schedule: s.id, action: s.action, feature: s.featureId, late, lateByMs, error }, 'scheduled change ran');
    await events.emit({
      type: 'schedule.executed',
      data: {
        scheduleId: s.id,
        featureId: s.featureId,
        environment: s.environment,
        action: s.action,
        outcome: error ? 'failed' : 'done',
        version: outcome?.version ?? null,
        runAt: s.runAt,
        ranAt: new Date(ranAt).toISOString(),
        late,
        lateByMs,
        error,
      },
    });
  };

  const tick = async () => {
    for (;;) {
      if (stopped) return;
      const due = await release.claimSchedule(Date.now(), instance, leaseMs);
      if (!due) return;
      await execute(due);
    }
  };
  const runDue = () => {
    if (stopped) return Promise.resolve();
    running ??= tick()
      .catch((err) => log.warn({ err }, 'running scheduled changes failed'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void runDue(), pollMs);
  timer.unref();
  setImmediate(() => void runDue());
  return {
    runDue,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
