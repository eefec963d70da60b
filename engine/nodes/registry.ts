/** The node registry: every node kind's definition, in one typed place. Adding a kind starts here. */

import { bucketNode } from './bucket/definition';
import { conditionsNode } from './conditions/definition';
import { jwtClaimNode } from './jwtClaim/definition';
import type { NodeDefinition } from './node-definition';
import { outcomeNode } from './outcome/definition';
import { productNode } from './product/definition';
import { requestNode } from './request/definition';
import { scheduleNode } from './schedule/definition';
import { startNode } from './start/definition';
import { switchNode } from './switch/definition';
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
  switch: switchNode,
  conditions: conditionsNode,
  outcome: outcomeNode,
} as const satisfies Record<string, { readonly kind: string; readonly label: string }>;

/** Compile-time check that every definition's `kind` equals its registry key. */
type KindMismatch = {
  [K in keyof typeof NODE_REGISTRY]: (typeof NODE_REGISTRY)[K]['kind'] extends K ? never : K;
}[keyof typeof NODE_REGISTRY];
const kindsMatchKeys: [KindMismatch] extends [never] ? true : KindMismatch = true;
void kindsMatchKeys;

/** The definition of `kind`, with its data type erased (callers pass data parsed by its own schema). */
export function nodeDefinition(kind: keyof typeof NODE_REGISTRY): NodeDefinition<unknown> {
  return NODE_REGISTRY[kind] as unknown as NodeDefinition<unknown>;
}
