/**
 * Admin: site keys. A site key is a publishable key (not a secret) naming the environment that answers a site's
 * decisions, OFREP evaluations and snapshot, with the browser origins allowed to use it (CORS). Created and revoked by
 * admins; every instance learns of a change through the store's change feed. Shapes: api/contract/release.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { actorOf, auditOf } from '../../accounts/principal';
import { siteKeyRoutesContract } from '../../contract/release';
import { routePlugin } from '../../plugins/define-plugin';
import type { SiteKey } from '../../store/store';

async function siteKeyRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = siteKeyRoutesContract;
  const { store, runtime, environments } = ctx;

  app.get('/site-keys', { config: { role: 'admin' }, schema: c.list }, async () => store.listSiteKeys());

  app.post('/site-keys', { config: { role: 'admin' }, schema: c.create }, async (request, reply) => {
    const body = request.body;
    environments.check(body.environment, 'body.environment');
    const key: SiteKey = {
      id: randomUUID(),
      key: `cf_site_${body.environment}_${randomBytes(12).toString('base64url')}`,
      name: body.name,
      environment: body.environment,
      origins: body.origins,
      createdBy: actorOf(request.principal).name,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    };
    const created = await store.createSiteKey(
      key,
      auditOf(request, 'siteKey.create', `siteKey:${key.id}`, {
        after: { name: key.name, environment: key.environment, origins: key.origins, key: key.key },
      }),
    );
    await runtime.reloadSiteKeys();
    return reply.status(201).send(created);
  });

  app.delete('/site-keys/:id', { config: { role: 'admin' }, schema: c.revoke }, async (request, reply) => {
    const { id } = request.params;
    const done = await store.revokeSiteKey(id, auditOf(request, 'siteKey.revoke', `siteKey:${id}`));
    if (!done) throw new ClaimflowError('CF_SITE_KEY_NOT_FOUND', `no active site key "${id}"`, { field: 'params.id' });
    await runtime.reloadSiteKeys();
    return reply.status(204).send(null);
  });
}

/** Site keys: list, create, revoke. */
export const siteKeyRoutes = routePlugin('claimflow-site-key-routes', siteKeyRoutesPlugin);
