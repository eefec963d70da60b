/** The facts an evaluation reads: the shape both evaluators (fast and json-rules-engine) receive. */
import { z } from 'zod';

/** The visitor states (the `userState` fact's values, the branches of the `userState` node). */
export const USER_STATES = ['anonymous', 'registered', 'customer'] as const;
export type UserState = (typeof USER_STATES)[number];

export const TOKEN_STATUSES = ['valid', 'missing', 'invalid', 'expired'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** Request context facts, read by `request` nodes through `property` (e.g. `query.utm_source`). */
export const RequestFactsSchema = z.object({
  device: z.string().optional(),
  country: z.string().optional(),
  referrer: z.string().optional(),
  path: z.string().optional(),
  userAgent: z.string().optional(),
  contentId: z.string().optional(),
  query: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
  token: z.object({ status: z.enum(TOKEN_STATUSES) }).optional(),
});
export type RequestFacts = z.infer<typeof RequestFactsSchema>;

/**
 * Facts of one evaluation.
 * - `userState`: anonymous | registered | customer (computed by the caller from the verified token and products).
 * - `products`: catalogue product ids the visitor holds; `entitlements`: entitlement ids (with descendants).
 * - `claims`: the verified JWT claims (never unverified ones).
 * - `request`: request context; `now`: evaluation time in epoch milliseconds (schedule nodes).
 * - `buckets`: bucket node id -> bucket id the visitor is assigned to (see assignBucket).
 * - `trials`: trial node id -> 'allowed' | 'exhausted' (the meter state before this decision).
 */
export const FactsSchema = z.object({
  userState: z.enum(USER_STATES),
  products: z.array(z.string()).default([]),
  entitlements: z.array(z.string()).default([]),
  claims: z.record(z.string(), z.unknown()).default({}),
  request: RequestFactsSchema.default({}),
  now: z.number().optional(),
  buckets: z.record(z.string(), z.string()).default({}),
  trials: z.record(z.string(), z.enum(['allowed', 'exhausted'])).default({}),
});

export type Facts = z.infer<typeof FactsSchema>;
export type FactsInput = z.input<typeof FactsSchema>;

/** The fact names the compiled rules read (also listed in the compiled artifact). */
export const FACT_NAMES = [
  'userState',
  'products',
  'entitlements',
  'claims',
  'request',
  'now',
  'buckets',
  'trials',
] as const;
