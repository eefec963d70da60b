/** Admin: webhooks (admin role: they hold signing secrets), their delivery log and test deliveries. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import { type Webhook, webhookRoutesContract } from '../../contract/webhooks';
import { PLUGIN, routePlugin } from '../../plugins/define-plugin';
import type { StoredWebhook } from '../../store/release/release-store';
import { checkWebhookUrl } from '../../webhooks/url-guard';

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
const view = ({ secret: _secret, ...w }: StoredWebhook): Webhook => w;

async function webhookRoutesPlugin(base: FastifyInstance): Promise<void> {
  const rel = base.releaseFlow;

  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = webhookRoutesContract;
  const { release, events, self } = rel;
  const hookOr404 = async (id: string) => {
    const hook = await release.getWebhook(id);
    if (!hook) throw new ClaimflowError('CF_WEBHOOK_NOT_FOUND', `no webhook "${id}"`, { field: 'params.id' });
    return hook;
  };

  app.get('/webhooks', { config: { role: 'admin' }, schema: c.list }, async () =>
    (await release.listWebhooks()).map(view),
  );

  app.post('/webhooks', { config: { role: 'admin' }, schema: c.create }, async (request, reply) => {
    const body = request.body;
    await checkWebhookUrl(body.url, self);
    const at = new Date().toISOString();
    const hook: StoredWebhook = { id: crypto.randomUUID(), ...body, secret: newSecret(), createdAt: at, updatedAt: at };
    await release.createWebhook(hook, auditOf(request, 'webhook.create', `webhook:${hook.id}`, { after: view(hook) }));
    return reply.status(201).send(hook);
  });

  app.get('/webhooks/:id', { config: { role: 'admin' }, schema: c.get }, async (request) =>
    view(await hookOr404(request.params.id)),
  );

  app.patch('/webhooks/:id', { config: { role: 'admin' }, schema: c.patch }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const before = await hookOr404(id);
    if (body.url !== undefined) await checkWebhookUrl(body.url, self);
    const { rotateSecret, ...patch } = body;
    const secret = rotateSecret ? newSecret() : undefined;
    const after = await release.updateWebhook(
      id,
      { ...patch, ...(secret ? { secret } : {}) },
      auditOf(request, 'webhook.update', `webhook:${id}`, {
        before: view(before),
        after: { ...view({ ...before, ...patch }), secretRotated: secret !== undefined },
      }),
    );
    return secret ? after : view(after);
  });

  app.delete('/webhooks/:id', { config: { role: 'admin' }, schema: c.delete }, async (request, reply) => {
    const { id } = request.params;
    const before = await release.getWebhook(id);
    const gone = await release.deleteWebhook(
      id,
      auditOf(request, 'webhook.delete', `webhook:${id}`, { before: before && view(before) }),
    );
    if (!gone) throw new ClaimflowError('CF_WEBHOOK_NOT_FOUND', `no webhook "${id}"`, { field: 'params.id' });
    return reply.status(204).send(null);
  });

  app.get('/webhooks/:id/deliveries', { config: { role: 'admin' }, schema: c.deliveries }, async (request) => {
    const { id } = request.params;
    const { limit } = request.query;
    await hookOr404(id);
    return release.listDeliveries(id, limit);
  });

  app.post('/webhooks/:id/test', { config: { role: 'admin' }, schema: c.test }, async (request, reply) => {
    const { id } = request.params;
    await hookOr404(id);
    const delivery = await release.getDelivery(await events.sendTest(id));
    // gone only when the webhook was deleted (with its deliveries) in between
    if (!delivery) throw new ClaimflowError('CF_WEBHOOK_NOT_FOUND', `no webhook "${id}"`, { field: 'params.id' });
    return reply.status(202).send(delivery);
  });
}

/** Webhooks: CRUD, deliveries, test pings. */
export const webhookRoutes = routePlugin('claimflow-webhook-routes', webhookRoutesPlugin, {
  plugins: [PLUGIN.context],
  decorators: ['releaseFlow'],
});
