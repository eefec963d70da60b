/**
 * Admin: release environments and their approval settings, the version live per environment, and publishing,
 * promotion and rollback targeting one environment (an environment requiring approval answers 202 with the change
 * request it opened). Shapes: api/contract/release.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf, auditOf, authorOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import { environmentRoutesContract } from '../../contract/release';
import { goLiveOf, liveVersions, pendingView, promote, publish, rollback } from '../../features/release';

export async function environmentRoutes(base: FastifyInstance, ctx: AppContext): Promise<void> {
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
      const out = await publish(ctx, id, env, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
        goLive: goLiveOf(body.at, body.timeZone),
      });
      if (out.status === 'pendingApproval') return reply.status(202).send(pendingView(out));
      return reply.status(201).send(out);
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
      const out = await promote(ctx, id, body.from, env, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note || undefined,
        goLive: goLiveOf(body.at, body.timeZone),
      });
      if (out.status === 'pendingApproval') return reply.status(202).send(pendingView(out));
      return reply.status(201).send(out);
    },
  );

  app.post(
    '/features/:id/environments/:env/rollback',
    { config: { role: 'publisher' }, schema: c.rollback },
    async (request, reply) => {
      const { id, env } = request.params;
      environments.check(env, 'params.env');
      const body = request.body;
      const out = await rollback(ctx, id, env, body.version, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
        goLive: goLiveOf(body.at, body.timeZone),
      });
      if (out.status === 'pendingApproval') return reply.status(202).send(pendingView(out));
      return reply.status(201).send(out);
    },
  );
}
