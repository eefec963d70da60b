/** Admin routes of the entitlement tree and the product catalogue. Pure zod. */
import { z } from 'zod';
import { IdSchema, NoContent, route } from './common';

const tags = ['catalogue'];
const IdParams = z.object({ id: IdSchema });

export const EntitlementSchema = z
  .object({ id: z.string(), name: z.string(), parentId: z.string().nullable() })
  .meta({ id: 'Entitlement' });
export const EntitlementBody = z
  .object({ name: z.string().min(1).max(200), parentId: IdSchema.nullable().default(null) })
  .strict();
export const ProductSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    claimValues: z.array(z.string()).describe('values of the products claim that mean this product'),
    entitlementIds: z.array(z.string()),
  })
  .meta({ id: 'Product' });
export const ProductBody = z
  .object({
    name: z.string().min(1).max(200),
    claimValues: z.array(z.string().min(1).max(256)).max(100).default([]),
    entitlementIds: z.array(IdSchema).max(100).default([]),
  })
  .strict();
export type Entitlement = z.infer<typeof EntitlementSchema>;
export type Product = z.infer<typeof ProductSchema>;

export const catalogueRoutesContract = {
  listEntitlements: route({
    operationId: 'listEntitlements',
    summary: 'The entitlement tree (flat, with parents)',
    tags,
    access: 'admin',
    ok: { 200: z.array(EntitlementSchema) },
  }),
  putEntitlement: route({
    operationId: 'putEntitlement',
    summary: 'Create or replace an entitlement',
    tags,
    access: 'admin',
    params: IdParams,
    body: EntitlementBody,
    ok: { 200: EntitlementSchema },
    errors: [404, 409],
  }),
  deleteEntitlement: route({
    operationId: 'deleteEntitlement',
    summary: 'Delete an entitlement (refused while products, features or children use it)',
    tags,
    access: 'admin',
    params: z.object({ id: z.string() }),
    ok: { 204: NoContent },
    errors: [404, 409],
  }),
  listProducts: route({
    operationId: 'listProducts',
    summary: 'Products and the entitlements they grant',
    tags,
    access: 'admin',
    ok: { 200: z.array(ProductSchema) },
  }),
  putProduct: route({
    operationId: 'putProduct',
    summary: 'Create or replace a product',
    tags,
    access: 'admin',
    params: IdParams,
    body: ProductBody,
    ok: { 200: ProductSchema },
    errors: [404, 409],
  }),
  deleteProduct: route({
    operationId: 'deleteProduct',
    summary: 'Delete a product',
    tags,
    access: 'admin',
    params: z.object({ id: z.string() }),
    ok: { 204: NoContent },
    errors: [404, 409],
  }),
};
