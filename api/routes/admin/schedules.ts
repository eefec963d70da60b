/** Admin: scheduled publish, promotion and rollback (create and cancel: publisher; list: viewer). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { actorOf, auditOf } from '../../accounts/principal';
import { scheduleRoutesContract } from '../../contract/schedules';
import { getFeatureOr404 } from '../../features/feature-service';
import { PLUGIN, routePlugin } from '../../plugins/define-plugin';
import { resolveScheduleTime } from '../../schedules/schedule-time';
import { scheduleView } from '../../store/release/release-store';

async function scheduleRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const rel = base.releaseFlow;

  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = scheduleRoutesContract;
  const { release } = rel;
  const environmentOf = (name: string | undefined, field: string) =>
    ctx.environments.check(name ?? ctx.environments.defaultName, field);

  app.post('/schedules', { config: { role: 'publisher' }, schema: c.create }, async (request, reply) => {
    const body = request.body;
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
    const created = await release.createSchedule(
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
        createdBy: actorOf(request.principal),
      },
      auditOf(request, 'schedule.create', `schedule:${id}`, { afterOf: (s) => s }),
    );
    return reply.status(201).send(scheduleView(created));
  });

  app.get('/schedules', { config: { role: 'viewer' }, schema: c.list }, async (request) =>
    (await release.listSchedules(request.query)).map(scheduleView),
  );

  app.get('/schedules/:id', { config: { role: 'viewer' }, schema: c.get }, async (request) => {
    const { id } = request.params;
    const s = await release.getSchedule(id);
    if (!s) throw new ClaimflowError('CF_SCHEDULE_NOT_FOUND', `no scheduled change "${id}"`, { field: 'params.id' });
    return scheduleView(s);
  });

  app.post('/schedules/:id/cancel', { config: { role: 'publisher' }, schema: c.cancel }, async (request) => {
    const { id } = request.params;
    // an approved change request's go-live: cancelled with the request, so it does not stay approved for ever
    const linked = (await release.getSchedule(id))?.changeRequestId;
    if (linked)
      throw new ClaimflowError(
        'CF_REQUEST_INVALID',
        `params.id: scheduled change "${id}" applies change request ${linked}; withdraw or reject that instead`,
        { field: 'params.id' },
      );
    const cancelled = await release.cancelSchedule(
      id,
      auditOf(request, 'schedule.cancel', `schedule:${id}`, {
        before: { status: 'pending' },
        after: { status: 'cancelled' },
      }),
    );
    return scheduleView(cancelled);
  });
}

/** Scheduled changes: create, list, cancel. */
export const scheduleRoutes = routePlugin('claimflow-schedule-routes', scheduleRoutesPlugin, {
  plugins: [PLUGIN.context],
  decorators: ['claimflow', 'releaseFlow'],
});
