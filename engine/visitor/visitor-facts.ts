/**
 * From verified claims to the facts of a decision (pure): product syncing (the products claim, a string or an array
 * of strings, matched against each catalogue product's claim values), entitlements with all their descendants,
 * user mapping (a verified token makes the visitor registered; its foreign user id property keys the visitor's
 * buckets and meters) and the user state for a feature.
 */
import type { Facts, RequestFacts, TokenStatus, UserState } from '../facts/facts';
import { lookupPath, parsePropertyPath } from '../nodes/lib/property-path';
import type { StateFacts } from '../nodes/node-definition';

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

/** Why a verified token gave no usable user id: the claim is absent (or null), an empty string, or not a scalar. */
export type UserIdProblem = 'missing' | 'empty' | 'object' | 'array' | 'boolean';

export interface Visitor {
  /** True when the claims come from a verified token (or are given as verified in a test or replay). */
  verified: boolean;
  /** The foreign user id, when a verified token carries a usable one (a non-empty string, or a number). */
  userId: string | null;
  /** Set when a verified token has no usable user id: the visitor stays known, keyed by the visitor cookie. */
  userIdProblem: UserIdProblem | null;
  products: string[];
  entitlements: string[];
  claims: Record<string, unknown>;
}

/** Parsed claim paths of the identity settings (a handful of strings), so a decision does not parse them again. */
const claimPaths = new Map<string, ReturnType<typeof parsePropertyPath>>();

function readClaim(claims: Record<string, unknown>, property: string): unknown {
  let parsed = claimPaths.get(property);
  if (!parsed) {
    parsed = parsePropertyPath(property);
    if (claimPaths.size > 100) claimPaths.clear();
    claimPaths.set(property, parsed);
  }
  return parsed.ok ? lookupPath(claims, parsed.segments) : undefined;
}

function userIdOf(raw: unknown): { userId: string | null; problem: UserIdProblem | null } {
  if (typeof raw === 'string')
    return raw.length > 0 ? { userId: raw, problem: null } : { userId: null, problem: 'empty' };
  if (typeof raw === 'number' && Number.isFinite(raw)) return { userId: String(raw), problem: null };
  if (typeof raw === 'boolean') return { userId: null, problem: 'boolean' };
  if (Array.isArray(raw)) return { userId: null, problem: 'array' };
  if (raw !== null && typeof raw === 'object') return { userId: null, problem: 'object' };
  return { userId: null, problem: 'missing' };
}

/**
 * The visitor behind verified `claims` (null: no verified token). A verified token without a usable user id still
 * makes a known visitor (registered or customer); only its split tests and meters fall back to the visitor cookie.
 * @example visitorFromClaims({ prodsub: 'gold' }, settings, index) // { verified: true, userId: null, userIdProblem: 'missing', products: ['gold'], ... }
 */
export function visitorFromClaims(
  claims: Record<string, unknown> | null,
  settings: IdentitySettings,
  index: CatalogueIndex,
): Visitor {
  if (claims === null)
    return { verified: false, userId: null, userIdProblem: null, products: [], entitlements: [], claims: {} };
  const { userId, problem } = userIdOf(readClaim(claims, settings.foreignUserIdProperty));
  const products = productsFromClaim(readClaim(claims, settings.productsClaim), index);
  return {
    verified: true,
    userId,
    userIdProblem: problem,
    products,
    entitlements: entitlementsOf(products, index),
    claims,
  };
}

/**
 * The key of everything remembered about the visitor (split-test buckets, trial meters): the foreign user id when
 * the verified token carries a usable one, else `anonymousKey` (the visitor cookie, or a replay case's visitor id).
 * Live decisions, tests, replays and the CLI all key visitors through this one function.
 */
export function visitorKey(visitor: Visitor, anonymousKey: string): string {
  return visitor.userId ?? anonymousKey;
}

/** anonymous: no verified token; customer: holds an entitlement the feature names; registered otherwise. */
export function userStateFor(visitor: Visitor, customerEntitlements: readonly string[]): UserState {
  if (!visitor.verified) return 'anonymous';
  for (const e of customerEntitlements) if (visitor.entitlements.includes(e)) return 'customer';
  return 'registered';
}

/** Assembles the facts of one decision for one feature; `state` is the per-visitor state (see visitor-state.ts). */
export function decisionFacts(args: {
  visitor: Visitor;
  customerEntitlements: readonly string[];
  request: RequestFacts;
  tokenStatus: TokenStatus;
  now: number;
  state?: StateFacts;
}): Facts {
  return {
    userState: userStateFor(args.visitor, args.customerEntitlements),
    products: args.visitor.products,
    entitlements: args.visitor.entitlements,
    claims: args.visitor.claims,
    request: { ...args.request, token: { status: args.tokenStatus } },
    now: args.now,
    buckets: args.state?.buckets ?? {},
    trials: args.state?.trials ?? {},
  };
}
