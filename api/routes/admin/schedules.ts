/** Admin: scheduled publish, promotion and rollback (create and cancel: publisher; list: viewer). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { actorOf, auditOf } from '../../accounts/principal';
import { scheduleRoutesContract } from '../../contract/schedules';
import { PLUGIN, routePlugin } from '../../plugins/define-plugin';
import { scheduleChange } from '../../schedules/schedule-change';
import { scheduleView } from '../../store/release/release-store';

async function scheduleRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const { release } = base.releaseFlow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = scheduleRoutesContract;

  app.post('/schedules', { config: { role: 'publisher' }, schema: c.create }, async (request, reply) => {
    const created = await scheduleChange(ctx, release, request.body, actorOf(request.principal), (id) =>
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
