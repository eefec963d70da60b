/** The node registry: every node kind's definition, in one typed place. Adding a kind starts here. */

import { bucketNode } from './bucket/definition';
import { jwtClaimNode } from './jwtClaim/definition';
import type { NodeKind } from './kinds';
import type { NodeDefinition } from './node-definition';
import { outcomeNode } from './outcome/definition';
import { productNode } from './product/definition';
import { requestNode } from './request/definition';
import { scheduleNode } from './schedule/definition';
import { startNode } from './start/definition';
import { trialNode } from './trial/definition';
import { userStateNode } from './userState/definition';

export const NODE_REGISTRY = {
  start: startNode,
  userState: userStateNode,
  jwtClaim: jwtClaimNode,
  product: productNode,
  request: requestNode,
  schedule: scheduleNode,
  bucket: bucketNode,
  trial: trialNode,
  outcome: outcomeNode,
} as const satisfies Record<NodeKind, NodeDefinition<unknown>>;

/** The definition of `kind`, with its data type erased (callers pass data parsed by its own schema). */
export function nodeDefinition(kind: NodeKind): NodeDefinition<unknown> {
  return NODE_REGISTRY[kind] as unknown as NodeDefinition<unknown>;
}
