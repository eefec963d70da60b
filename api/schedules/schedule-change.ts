/**
 * Scheduling a publish, promotion or rollback (`POST /admin/v1/schedules`): the environments named must exist, the
 * wall-clock time in its zone must be ahead, a rollback names its version and a named version must exist. A publish
 * without a version captures the draft as it is now (not as it will be at run time). The scheduler applies it later.
 */
import type { z } from 'zod';
import { ClaimflowError } from '../../engine';
import type { AppContext } from '../app-context';
import type { CreateScheduleBody } from '../contract/schedules';
import { getFeatureOr404 } from '../features/get-feature';
import type { ClaimedSchedule, ReleaseStore } from '../store/release/release-store';
import type { Actor, AuditDraft } from '../store/store';
import { resolveScheduleTime } from './schedule-time';

export type ScheduleRequest = z.output<typeof CreateScheduleBody>;

/**
 * Creates the scheduled change, audited with `audit(id)`.
 * Throws CF_ENVIRONMENT_UNKNOWN (`body.environment`, `body.fromEnvironment`), CF_SCHEDULE_TIME_INVALID (`body.at`),
 * CF_FEATURE_NOT_FOUND, CF_REQUEST_INVALID (`body.version` missing on a rollback), CF_VERSION_NOT_FOUND.
 * @example await scheduleChange(ctx, release, body, actor, (id) => auditOf(request, 'schedule.create', `schedule:${id}`))
 */
export async function scheduleChange(
  ctx: Pick<AppContext, 'store' | 'environments'>,
  release: Pick<ReleaseStore, 'createSchedule'>,
  body: ScheduleRequest,
  createdBy: Actor,
  audit: (id: string) => AuditDraft,
): Promise<ClaimedSchedule> {
  const environmentOf = (name: string | undefined, field: string) =>
    ctx.environments.check(name ?? ctx.environments.defaultName, field);
  const environment = environmentOf(body.environment, 'body.environment');
  const fromEnvironment =
    body.action === 'promote' ? environmentOf(body.fromEnvironment, 'body.fromEnvironment') : null;
  const { runAt, localTime } = resolveScheduleTime(body.at, body.timeZone);
  if (runAt <= Date.now())
    throw new ClaimflowError('CF_SCHEDULE_TIME_INVALID', `${localTime} ${body.timeZone} is not in the future`, {
      field: 'body.at',
    });
  const feature = await getFeatureOr404(ctx.store, body.featureId);
  if (body.action === 'rollback' && body.version === undefined)
    throw new ClaimflowError('CF_REQUEST_INVALID', 'body.version: a rollback names the version to go back to', {
      field: 'body.version',
    });
  if (body.version !== undefined && !(await ctx.store.getVersion(feature.id, body.version)))
    throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${feature.id}" has no version ${body.version}`, {
      field: 'body.version',
    });
  const id = crypto.randomUUID();
  return release.createSchedule(
    {
      id,
      featureId: feature.id,
      environment,
      action: body.action,
      version: body.version ?? null,
      // a publish without a version publishes the draft as it is now, not as it will be at run time
      snapshot: body.action === 'publish' && body.version === undefined ? feature.draft : null,
      fromEnvironment,
      runAt,
      timeZone: body.timeZone,
      localTime,
      note: body.note,
      createdBy,
    },
    audit(id),
  );
}
