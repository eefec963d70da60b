/**
 * The catalogue rules both SQL stores apply inside their write transactions: the entitlement tree stays a tree, a
 * product grants only entitlements that exist, a feature names only existing customer entitlements, a published graph
 * names only existing products, and nothing in use is deleted (which products a graph's nodes name, who uses a product
 * or an entitlement). The stores read the rows under their own locks and hand them here. Drafts may be invalid, so
 * graphs are read tolerantly.
 */
import { ClaimflowError } from '../../../engine/errors/catalogue';
import { isNodeKind } from '../../../engine/nodes/kinds';
import { nodeDefinition } from '../../../engine/nodes/registry';

/** One product reference of a graph: the node naming it and the field of its data that does (`data.products.0`). */
export interface ProductReference {
  nodeId: string;
  productId: string;
  field: string;
}

/**
 * Every product id named by a node of `graph`, as each kind declares (`catalogueReferences`); any JSON, malformed
 * parts are skipped.
 */
export function productReferences(graph: unknown): ProductReference[] {
  const nodes = (graph as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  const out: ProductReference[] = [];
  for (const node of nodes) {
    if (!node || typeof node !== 'object') continue;
    const { id, type, data } = node as { id?: unknown; type?: unknown; data?: unknown };
    if (!isNodeKind(type) || !data || typeof data !== 'object') continue;
    for (const ref of nodeDefinition(type).catalogueReferences?.(data) ?? []) {
      if (ref.collection === 'products')
        out.push({ nodeId: String(id), productId: ref.id, field: ['data', ...ref.path].join('.') });
    }
  }
  return out;
}

/** A feature that uses a product: in its draft and/or in its published version. */
export interface ProductUser {
  feature: string;
  draft: boolean;
  /** The published version using it (empty when only the draft does). */
  versions: number[];
}

/** Who uses a product, from each feature's draft and published graph. */
export function productUsers(
  productId: string,
  features: Iterable<{ id: string; draft: unknown; publishedVersion: number | null; publishedGraph: unknown }>,
  /** Versions live in the other environments (feature id, version, graph). */
  elsewhere: Iterable<{ featureId: string; version: number; graph: unknown }> = [],
): ProductUser[] {
  const users: ProductUser[] = [];
  const uses = (graph: unknown) => productReferences(graph).some((r) => r.productId === productId);
  const liveElsewhere = new Map<string, number[]>();
  for (const e of elsewhere)
    if (uses(e.graph)) liveElsewhere.set(e.featureId, [...(liveElsewhere.get(e.featureId) ?? []), e.version]);
  for (const f of features) {
    const draft = uses(f.draft);
    const versions = [
      ...new Set([
        ...(f.publishedVersion !== null && uses(f.publishedGraph) ? [f.publishedVersion] : []),
        ...(liveElsewhere.get(f.id) ?? []),
      ]),
    ].sort((a, b) => a - b);
    if (draft || versions.length > 0) users.push({ feature: f.id, draft, versions });
    liveElsewhere.delete(f.id);
  }
  for (const [feature, versions] of liveElsewhere)
    users.push({ feature, draft: false, versions: [...new Set(versions)].sort((a, b) => a - b) });
  return users.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}

/** CF_PRODUCT_IN_USE listing the features (draft, version) that use the product. */
export function productInUse(productId: string, users: ProductUser[]): ClaimflowError {
  const list = users
    .map(
      (u) => `"${u.feature}" (${[...(u.draft ? ['draft'] : []), ...u.versions.map((v) => `version ${v}`)].join(', ')})`,
    )
    .join(', ');
  return new ClaimflowError(
    'CF_PRODUCT_IN_USE',
    `product "${productId}" is used by feature${users.length === 1 ? '' : 's'} ${list}; remove it from their rules and publish first`,
    { field: 'id' },
    { features: users },
  );
}

/** Who uses an entitlement: child entitlements, products granting it, features naming it as customer entitlement. */
export interface EntitlementUsers {
  children: string[];
  products: string[];
  features: string[];
}

/** CF_ENTITLEMENT_IN_USE listing every user; null when nothing uses it. */
export function entitlementInUse(id: string, users: EntitlementUsers): ClaimflowError | null {
  const parts: string[] = [];
  const q = (xs: string[]) => xs.map((x) => `"${x}"`).join(', ');
  if (users.children.length) parts.push(`the parent of ${q(users.children)}`);
  if (users.products.length)
    parts.push(`granted by product${users.products.length === 1 ? '' : 's'} ${q(users.products)}`);
  if (users.features.length)
    parts.push(`a customer entitlement of feature${users.features.length === 1 ? '' : 's'} ${q(users.features)}`);
  if (parts.length === 0) return null;
  return new ClaimflowError(
    'CF_ENTITLEMENT_IN_USE',
    `entitlement "${id}" is ${parts.join('; ')}`,
    { field: 'id' },
    users,
  );
}

/** Throws CF_ENTITLEMENT_UNKNOWN naming the first customer entitlement that does not exist. */
export function checkCustomerEntitlements(ids: readonly string[], exists: (id: string) => boolean): void {
  ids.forEach((id, i) => {
    if (!exists(id))
      throw new ClaimflowError('CF_ENTITLEMENT_UNKNOWN', `entitlement "${id}" does not exist`, {
        field: `customerEntitlements.${i}`,
      });
  });
}

/** Throws CF_PRODUCT_UNKNOWN naming the node of the first product reference of `graph` that does not exist. */
export function checkGraphProducts(graph: unknown, exists: (id: string) => boolean): void {
  for (const r of productReferences(graph)) {
    if (!exists(r.productId))
      throw new ClaimflowError(
        'CF_PRODUCT_UNKNOWN',
        `product "${r.productId}" in "${r.nodeId}" is not in the catalogue`,
        {
          nodeId: r.nodeId,
          field: r.field,
        },
      );
  }
}

/** Throws CF_ENTITLEMENT_CYCLE when making `parentId` the parent of `id` closes a loop. */
export function checkEntitlementParent(id: string, parentId: string | null, parents: Map<string, string | null>): void {
  if (parentId === null) return;
  if (!parents.has(parentId))
    throw new ClaimflowError('CF_ENTITLEMENT_NOT_FOUND', `parent entitlement "${parentId}" does not exist`, {
      field: 'parentId',
    });
  let cur: string | null = parentId;
  const seen = new Set<string>();
  while (cur !== null && !seen.has(cur)) {
    if (cur === id)
      throw new ClaimflowError(
        'CF_ENTITLEMENT_CYCLE',
        `making "${parentId}" the parent of "${id}" would create a cycle`,
        {
          field: 'parentId',
        },
      );
    seen.add(cur);
    cur = parents.get(cur) ?? null;
  }
}

/** Throws CF_ENTITLEMENT_NOT_FOUND (naming the field) for the first entitlement id of a product that does not exist. */
export function checkProductEntitlements(entitlementIds: string[], exists: (id: string) => boolean): void {
  entitlementIds.forEach((id, i) => {
    if (!exists(id))
      throw new ClaimflowError('CF_ENTITLEMENT_NOT_FOUND', `entitlement "${id}" does not exist`, {
        field: `entitlementIds.${i}`,
      });
  });
}
