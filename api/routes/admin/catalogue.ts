/** Admin: the entitlement tree and the product catalogue. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ClaimflowError } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import { parse } from '../../lib/http-errors';

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'ids use letters, digits and _ . : - (at most 128)');
const EntitlementBody = z.object({ name: z.string().min(1).max(200), parentId: id.nullable().default(null) }).strict();
const ProductBody = z
  .object({
    name: z.string().min(1).max(200),
    claimValues: z.array(z.string().min(1).max(256)).max(100).default([]),
    entitlementIds: z.array(id).max(100).default([]),
  })
  .strict();

export async function catalogueRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store, runtime } = ctx;
  app.get('/entitlements', { config: { role: 'viewer' }, schema: { tags: ['catalogue'] } }, async () =>
    store.listEntitlements(),
  );

  app.put<{ Params: { id: string } }>(
    '/entitlements/:id',
    { config: { role: 'admin' }, schema: { tags: ['catalogue'] } },
    async (request) => {
      const entitlementId = parse(id, request.params.id, 'params.id');
      const body = parse(EntitlementBody, request.body ?? {});
      const saved = await store.putEntitlement(
        { id: entitlementId, ...body },
        auditOf(request, 'entitlement.put', `entitlement:${entitlementId}`, {
          before: await store.getEntitlement(entitlementId),
          afterOf: (e) => e,
        }),
      );
      await runtime.reloadCatalogue();
      return saved;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/entitlements/:id',
    { config: { role: 'admin' }, schema: { tags: ['catalogue'] } },
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
      return reply.status(204).send();
    },
  );

  app.get('/products', { config: { role: 'viewer' }, schema: { tags: ['catalogue'] } }, async () =>
    store.listProducts(),
  );

  app.put<{ Params: { id: string } }>(
    '/products/:id',
    { config: { role: 'admin' }, schema: { tags: ['catalogue'] } },
    async (request) => {
      const productId = parse(id, request.params.id, 'params.id');
      const body = parse(ProductBody, request.body ?? {});
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
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/products/:id',
    { config: { role: 'admin' }, schema: { tags: ['catalogue'] } },
    async (request, reply) => {
      const before = await store.getProduct(request.params.id);
      if (
        !(await store.deleteProduct(
          request.params.id,
          auditOf(request, 'product.delete', `product:${request.params.id}`, { before }),
        ))
      )
        throw new ClaimflowError('CF_PRODUCT_NOT_FOUND', `no product "${request.params.id}"`, { field: 'id' });
      await runtime.reloadCatalogue();
      return reply.status(204).send();
    },
  );
}
