/**
 * From verified claims to the facts of a decision (pure): product syncing (the products claim, a string or an array
 * of strings, matched against each catalogue product's claim values), entitlements with all their descendants,
 * user mapping (the foreign user id property makes the visitor registered) and the user state for a feature.
 */
import type { Facts, RequestFacts, TokenStatus } from '../facts/facts';
import type { UserState } from '../nodes/kinds';
import { lookupPath, parsePropertyPath } from '../nodes/lib/property-path';

export interface CatalogueProduct {
  id: string;
  claimValues: readonly string[];
  entitlementIds: readonly string[];
}

export interface CatalogueEntitlement {
  id: string;
  parentId: string | null;
}

/** The catalogue prepared for lookups: claim value -> products, entitlement -> its descendants (itself included). */
export interface CatalogueIndex {
  productsByClaimValue: Map<string, string[]>;
  productEntitlements: Map<string, readonly string[]>;
  descendants: Map<string, string[]>;
}

/** Builds the lookup index once per catalogue change. Cycles cannot exist (the store refuses them). */
export function indexCatalogue(
  products: readonly CatalogueProduct[],
  entitlements: readonly CatalogueEntitlement[],
): CatalogueIndex {
  const productsByClaimValue = new Map<string, string[]>();
  const productEntitlements = new Map<string, readonly string[]>();
  for (const p of products) {
    productEntitlements.set(p.id, p.entitlementIds);
    for (const v of p.claimValues) {
      const list = productsByClaimValue.get(v);
      if (list) {
        if (!list.includes(p.id)) list.push(p.id);
      } else productsByClaimValue.set(v, [p.id]);
    }
  }
  const children = new Map<string, string[]>();
  for (const e of entitlements) {
    if (e.parentId === null) continue;
    const list = children.get(e.parentId);
    if (list) list.push(e.id);
    else children.set(e.parentId, [e.id]);
  }
  const descendants = new Map<string, string[]>();
  for (const e of entitlements) {
    const out: string[] = [];
    const seen = new Set<string>();
    const stack = [e.id];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      for (const c of children.get(id) ?? []) stack.push(c);
    }
    descendants.set(e.id, out);
  }
  return { productsByClaimValue, productEntitlements, descendants };
}

/** Product ids granted by the products claim (string or array of strings; anything else grants nothing). */
export function productsFromClaim(value: unknown, index: CatalogueIndex): string[] {
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (const id of index.productsByClaimValue.get(v) ?? []) if (!out.includes(id)) out.push(id);
  }
  return out.sort();
}

/** Entitlements of the products, each with all its descendants, sorted. */
export function entitlementsOf(productIds: readonly string[], index: CatalogueIndex): string[] {
  const out = new Set<string>();
  for (const p of productIds) {
    for (const e of index.productEntitlements.get(p) ?? []) {
      for (const d of index.descendants.get(e) ?? [e]) out.add(d);
    }
  }
  return [...out].sort();
}

export interface IdentitySettings {
  /** Claim holding the product grants, e.g. `prodsub`. */
  productsClaim: string;
  /** Claim holding the foreign user id, e.g. `sub`. */
  foreignUserIdProperty: string;
}

export interface Visitor {
  /** The foreign user id, when a verified token carries it. */
  userId: string | null;
  products: string[];
  entitlements: string[];
  claims: Record<string, unknown>;
}

function readClaim(claims: Record<string, unknown>, property: string): unknown {
  const parsed = parsePropertyPath(property);
  return parsed.ok ? lookupPath(claims, parsed.segments) : undefined;
}

/** The visitor behind verified `claims` (null: no verified token). */
export function visitorFromClaims(
  claims: Record<string, unknown> | null,
  settings: IdentitySettings,
  index: CatalogueIndex,
): Visitor {
  if (claims === null) return { userId: null, products: [], entitlements: [], claims: {} };
  const rawId = readClaim(claims, settings.foreignUserIdProperty);
  const userId =
    typeof rawId === 'string' && rawId.length > 0 ? rawId : typeof rawId === 'number' ? String(rawId) : null;
  const products = productsFromClaim(readClaim(claims, settings.productsClaim), index);
  return { userId, products, entitlements: entitlementsOf(products, index), claims };
}

/** anonymous: no verified identity; customer: holds an entitlement the feature names; registered otherwise. */
export function userStateFor(visitor: Visitor, customerEntitlements: readonly string[]): UserState {
  if (visitor.userId === null) return 'anonymous';
  for (const e of customerEntitlements) if (visitor.entitlements.includes(e)) return 'customer';
  return 'registered';
}

/** Assembles the facts of one decision for one feature. */
export function decisionFacts(args: {
  visitor: Visitor;
  customerEntitlements: readonly string[];
  request: RequestFacts;
  tokenStatus: TokenStatus;
  now: number;
  buckets?: Record<string, string>;
  trials?: Record<string, 'allowed' | 'exhausted'>;
}): Facts {
  return {
    userState: userStateFor(args.visitor, args.customerEntitlements),
    products: args.visitor.products,
    entitlements: args.visitor.entitlements,
    claims: args.visitor.claims,
    request: { ...args.request, token: { status: args.tokenStatus } },
    now: args.now,
    buckets: args.buckets ?? {},
    trials: args.trials ?? {},
  };
}
