/** Admin: the entitlement tree and the product catalogue. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import { catalogueRoutesContract } from '../../contract/catalogue';
import { routePlugin } from '../../plugins/define-plugin';

async function catalogueRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = catalogueRoutesContract;
  const { store, runtime } = ctx;
  app.get('/entitlements', { config: { role: 'viewer' }, schema: c.listEntitlements }, async () =>
    store.listEntitlements(),
  );

  app.put('/entitlements/:id', { config: { role: 'admin' }, schema: c.putEntitlement }, async (request) => {
    const entitlementId = request.params.id;
    const body = request.body;
    const saved = await store.putEntitlement(
      { id: entitlementId, ...body },
      auditOf(request, 'entitlement.put', `entitlement:${entitlementId}`, {
        before: await store.getEntitlement(entitlementId),
        afterOf: (e) => e,
      }),
    );
    await runtime.reloadCatalogue();
    return saved;
  });

  app.delete(
    '/entitlements/:id',
    { config: { role: 'admin' }, schema: c.deleteEntitlement },
    async (request, reply) => {
      const before = await store.getEntitlement(request.params.id);
      if (
        !(await store.deleteEntitlement(
          request.params.id,
          auditOf(request, 'entitlement.delete', `entitlement:${request.params.id}`, { before }),
        ))
      )
        throw new ClaimflowError('CF_ENTITLEMENT_NOT_FOUND', `no entitlement "${request.params.id}"`, { field: 'id' });
      await runtime.reloadCatalogue();
      return reply.status(204).send(null);
    },
  );

  app.get('/products', { config: { role: 'viewer' }, schema: c.listProducts }, async () => store.listProducts());

  app.put('/products/:id', { config: { role: 'admin' }, schema: c.putProduct }, async (request) => {
    const productId = request.params.id;
    const body = request.body;
    const known = new Set((await store.listEntitlements()).map((e) => e.id));
    body.entitlementIds.forEach((e, i) => {
      if (!known.has(e))
        throw new ClaimflowError('CF_ENTITLEMENT_NOT_FOUND', `entitlement "${e}" does not exist`, {
          field: `body.entitlementIds.${i}`,
        });
    });
    const saved = await store.putProduct(
      { id: productId, ...body },
      auditOf(request, 'product.put', `product:${productId}`, {
        before: await store.getProduct(productId),
        afterOf: (p) => p,
      }),
    );
    await runtime.reloadCatalogue();
    return saved;
  });

  app.delete('/products/:id', { config: { role: 'admin' }, schema: c.deleteProduct }, async (request, reply) => {
    const before = await store.getProduct(request.params.id);
    if (
      !(await store.deleteProduct(
        request.params.id,
        auditOf(request, 'product.delete', `product:${request.params.id}`, { before }),
      ))
    )
      throw new ClaimflowError('CF_PRODUCT_NOT_FOUND', `no product "${request.params.id}"`, { field: 'id' });
    await runtime.reloadCatalogue();
    return reply.status(204).send(null);
  });
}

/** The entitlement tree and the product catalogue. */
export const catalogueRoutes = routePlugin('claimflow-catalogue-routes', catalogueRoutesPlugin);
