/** The node kinds of the graph DSL: the keys of the node registry, imported by every layer. */
import { NODE_REGISTRY } from './registry';

export type NodeKind = keyof typeof NODE_REGISTRY;

/** Every kind, in registry (palette) order. */
export const NODE_KINDS = Object.keys(NODE_REGISTRY) as [NodeKind, ...NodeKind[]];

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && Object.hasOwn(NODE_REGISTRY, value);
}

export { USER_STATES, type UserState } from './userState/states';
