/** The node kinds of the graph DSL: defined once here and imported by every layer. */

export const NODE_KINDS = [
  'start',
  'userState',
  'jwtClaim',
  'product',
  'request',
  'schedule',
  'bucket',
  'trial',
  'outcome',
] as const;

export type NodeKind = (typeof NODE_KINDS)[number];

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && (NODE_KINDS as readonly string[]).includes(value);
}

export const USER_STATES = ['anonymous', 'registered', 'customer'] as const;
export type UserState = (typeof USER_STATES)[number];
