/**
 * Admin: release environments and their approval settings, the version live per environment, and publishing,
 * promotion and rollback targeting one environment (an environment requiring approval answers 202 with the change
 * request it opened). Shapes: api/contract/release.ts.
 */
import type { FastifyInstance } from 'fastify';
import { actorOf, auditOf, authorOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import {
  EnvironmentParams,
  EnvironmentSettingsBody,
  EnvPromoteBody,
  EnvPublishBody,
  EnvRollbackBody,
  FeatureEnvironmentParams,
} from '../../contract/release';
import {
  changeRequestView,
  liveVersions,
  promote,
  publish,
  type ReleaseOutcome,
  rollback,
} from '../../features/release';
import { parse } from '../../lib/http-errors';

export async function environmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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

  app.get('/environments', { config: { role: 'viewer' }, schema: { tags: ['release'] } }, list);

  app.put<{ Params: { env: string } }>(
    '/environments/:env',
    { config: { role: 'admin' }, schema: { tags: ['release'], summary: 'Approval settings of an environment' } },
    async (request) => {
      const { env } = parse(EnvironmentParams, request.params, 'params');
      environments.check(env, 'params.env');
      const body = parse(EnvironmentSettingsBody, request.body ?? {});
      await environments.putSettings(store, env, body, (before, after) =>
        auditOf(request, 'environment.update', `environment:${env}`, { before, after }),
      );
      return list();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/features/:id/environments',
    { config: { role: 'viewer' }, schema: { tags: ['release'], summary: 'The version live in each environment' } },
    async (request) => ({ feature: request.params.id, environments: await liveVersions(ctx, request.params.id) }),
  );

  const answer = (reply: { status(code: number): { send(body: unknown): unknown } }, out: ReleaseOutcome) =>
    out.status === 'pendingApproval'
      ? reply.status(202).send({ ...out, changeRequest: changeRequestView(out.changeRequest) })
      : reply.status(201).send(out);

  app.post<{ Params: { id: string; env: string } }>(
    '/features/:id/environments/:env/publish',
    { config: { role: 'publisher' }, schema: { tags: ['release'], summary: 'Publish the draft to one environment' } },
    async (request, reply) => {
      const { id, env } = parse(FeatureEnvironmentParams, request.params, 'params');
      environments.check(env, 'params.env');
      const body = parse(EnvPublishBody, request.body ?? {});
      const out = await publish(ctx, id, env, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
      });
      return answer(reply, out);
    },
  );

  app.post<{ Params: { id: string; env: string } }>(
    '/features/:id/environments/:env/promote',
    {
      config: { role: 'publisher' },
      schema: { tags: ['release'], summary: 'Make the version live in another environment live here' },
    },
    async (request, reply) => {
      const { id, env } = parse(FeatureEnvironmentParams, request.params, 'params');
      environments.check(env, 'params.env');
      const body = parse(EnvPromoteBody, request.body ?? {});
      environments.check(body.from, 'body.from');
      const out = await promote(ctx, id, body.from, env, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note || undefined,
      });
      return answer(reply, out);
    },
  );

  app.post<{ Params: { id: string; env: string } }>(
    '/features/:id/environments/:env/rollback',
    {
      config: { role: 'publisher' },
      schema: { tags: ['release'], summary: 'Put a former version live again in one environment' },
    },
    async (request, reply) => {
      const { id, env } = parse(FeatureEnvironmentParams, request.params, 'params');
      environments.check(env, 'params.env');
      const body = parse(EnvRollbackBody, request.body ?? {});
      const out = await rollback(ctx, id, env, body.version, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
      });
      return answer(reply, out);
    },
  );
}
