/** `product`: does the visitor hold any / all of the listed catalogue products? */
import { z } from 'zod';
import type { CatalogueReference, RuleCondition } from '../node-definition';
import { defineNode } from '../node-definition';

export const productDataSchema = z.object({
  products: z.array(z.string().min(1).max(128)).min(1, 'pick at least one product').max(200),
  match: z.enum(['any', 'all']).default('any'),
});

type ProductData = z.infer<typeof productDataSchema>;

function holds(data: ProductData): RuleCondition {
  const each = data.products.map((id) => ({ fact: 'products', operator: 'contains', value: id }));
  return data.match === 'all' ? { all: each } : { any: each };
}

export const productNode = defineNode({
  kind: 'product',
  label: 'Product',
  description: 'Branches on whether the visitor holds any (or all) of the chosen catalogue products.',
  dataSchema: productDataSchema,
  terminal: false,
  catalogueReferences: (data) => {
    const products = (data as { products?: unknown } | null)?.products;
    const out: CatalogueReference[] = [];
    if (Array.isArray(products))
      products.forEach((id, i) => {
        if (typeof id === 'string') out.push({ collection: 'products', id, path: ['products', i] });
      });
    return out;
  },
  defaultData: () => ({ products: [], match: 'any' }),
  branches: () => ['yes', 'no'],
  condition: (data, branch) => (branch === 'yes' ? holds(data) : { not: holds(data) }),
  prepare: (data) => {
    const wanted = [...data.products];
    const all = data.match === 'all';
    return {
      tested: `holds ${all ? 'all' : 'any'} of ${JSON.stringify(wanted)}`,
      test: (facts) => {
        const held = Array.isArray(facts.products) ? facts.products : [];
        const ok = all ? wanted.every((p) => held.includes(p)) : wanted.some((p) => held.includes(p));
        return { branch: ok ? 'yes' : 'no', value: held };
      },
    };
  },
});
