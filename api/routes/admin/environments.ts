/**
 * Admin: release environments and their approval settings, the version live per environment, and publishing,
 * promotion and rollback targeting one environment (an environment requiring approval answers 202 with the change
 * request it opened). Shapes: api/contract/release.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf, auditOf, authorOf } from '../../accounts/principal';
import { environmentRoutesContract } from '../../contract/release';
import {
  goLiveOf,
  liveVersions,
  pendingView,
  promote,
  publish,
  type ReleaseBy,
  type ReleaseOutcome,
  rollback,
} from '../../features/release';
import { routePlugin } from '../../plugins/define-plugin';

/** Who asks and how the change is recorded, from a publish, promote or rollback request. */
function releaseBy(
  request: FastifyRequest,
  body: { author: string; note?: string; at?: string; timeZone?: string },
  note = body.note,
): ReleaseBy {
  return {
    actor: actorOf(request.principal),
    author: authorOf(request, body.author),
    note,
    goLive: goLiveOf(body.at, body.timeZone),
  };
}

/** 201 with the version that went live, or 202 with the change request when the environment requires approval. */
const answered = (out: ReleaseOutcome) =>
  out.status === 'pendingApproval'
    ? ({ status: 202, body: pendingView(out) } as const)
    : ({ status: 201, body: out } as const);

async function environmentRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = environmentRoutesContract;
  const { environments, store } = ctx;

  const list = async () => {
    const settings = await environments.settings(store);
    return {
      default: environments.defaultName,
      environments: environments.names.map((name) => ({
        name,
        default: name === environments.defaultName,
        ...settings[name],
      })),
    };
  };

  app.get('/environments', { config: { role: 'viewer' }, schema: c.list }, list);

  app.put('/environments/:env', { config: { role: 'admin' }, schema: c.put }, async (request) => {
    const { env } = request.params;
    environments.check(env, 'params.env');
    await environments.putSettings(store, env, request.body, (before, after) =>
      auditOf(request, 'environment.update', `environment:${env}`, { before, after }),
    );
    return list();
  });

  app.get('/features/:id/environments', { config: { role: 'viewer' }, schema: c.live }, async (request) => ({
    feature: request.params.id,
    environments: await liveVersions(ctx, request.params.id),
  }));

  app.post(
    '/features/:id/environments/:env/publish',
    { config: { role: 'publisher' }, schema: c.publish },
    async (request, reply) => {
      const { id, env } = request.params;
      environments.check(env, 'params.env');
      const body = request.body;
      const { status, body: answer } = answered(await publish(ctx, id, env, releaseBy(request, body)));
      return reply.status(status).send(answer);
    },
  );

  app.post(
    '/features/:id/environments/:env/promote',
    { config: { role: 'publisher' }, schema: c.promote },
    async (request, reply) => {
      const { id, env } = request.params;
      environments.check(env, 'params.env');
      const body = request.body;
      environments.check(body.from, 'body.from');
      const by = releaseBy(request, body, body.note || undefined);
      const { status, body: answer } = answered(await promote(ctx, id, body.from, env, by));
      return reply.status(status).send(answer);
    },
  );

  app.post(
    '/features/:id/environments/:env/rollback',
    { config: { role: 'publisher' }, schema: c.rollback },
    async (request, reply) => {
      const { id, env } = request.params;
      environments.check(env, 'params.env');
      const body = request.body;
      const { status, body: answer } = answered(await rollback(ctx, id, env, body.version, releaseBy(request, body)));
      return reply.status(status).send(answer);
    },
  );
}

/** Environments, and publish, promote and rollback per environment. */
export const environmentRoutes = routePlugin('claimflow-environment-routes', environmentRoutesPlugin);
