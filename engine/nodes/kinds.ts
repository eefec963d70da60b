/** The node kinds of the graph DSL: the keys of the node registry, imported by every layer. */
import type { NodeDefinition } from './node-definition';
import { NODE_REGISTRY, nodeDefinition } from './registry';

export type NodeKind = keyof typeof NODE_REGISTRY;

/** The parsed data of a node of kind `K` (what its schema outputs). */
export type NodeData<K extends NodeKind> = (typeof NODE_REGISTRY)[K] extends NodeDefinition<infer D, K> ? D : never;

/** Every kind, in registry (palette) order. */
export const NODE_KINDS = Object.keys(NODE_REGISTRY) as [NodeKind, ...NodeKind[]];

function onlyKind(what: string, test: (kind: NodeKind) => boolean): NodeKind {
  const found = NODE_KINDS.filter(test);
  if (found.length !== 1) throw new TypeError(`the node registry must have exactly one ${what} kind`);
  return found[0] as NodeKind;
}

/** The kind of a graph's single entry node (the one whose definition says `entry`). */
export const ENTRY_KIND: NodeKind = onlyKind('entry', (k) => nodeDefinition(k).entry === true);

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && Object.hasOwn(NODE_REGISTRY, value);
}

export { USER_STATES, type UserState } from '../facts/facts';
