/**
 * The property-test generators of valid node data, one per kind (engine/nodes/<kind>/arbitrary.ts), in one place
 * typed by NodeKind: a kind added to the registry without a generator fails the type check. The differential test
 * (test/engine/differential.property.test.ts) draws its graphs from here. Test-only: this module and the generators
 * import fast-check (a devDependency); the engine's entry (engine/index.ts) and the SDK never import them.
 */
import type fc from 'fast-check';
import { bucketArbitrary } from './bucket/arbitrary';
import { conditionsArbitrary } from './conditions/arbitrary';
import { jwtClaimArbitrary } from './jwtClaim/arbitrary';
import type { NodeKind } from './kinds';
import { outcomeArbitrary } from './outcome/arbitrary';
import { productArbitrary } from './product/arbitrary';
import { requestArbitrary } from './request/arbitrary';
import { scheduleArbitrary } from './schedule/arbitrary';
import { startArbitrary } from './start/arbitrary';
import { switchArbitrary } from './switch/arbitrary';
import { trialArbitrary } from './trial/arbitrary';
import { userStateArbitrary } from './userState/arbitrary';

export const NODE_ARBITRARIES: { readonly [K in NodeKind]: fc.Arbitrary<unknown> } = {
  start: startArbitrary,
  userState: userStateArbitrary,
  jwtClaim: jwtClaimArbitrary,
  product: productArbitrary,
  request: requestArbitrary,
  schedule: scheduleArbitrary,
  bucket: bucketArbitrary,
  trial: trialArbitrary,
  switch: switchArbitrary,
  conditions: conditionsArbitrary,
  outcome: outcomeArbitrary,
};

/** A generator of data `kind`'s schema accepts (its graph JSON, before parsing). */
export function nodeArbitrary(kind: NodeKind): fc.Arbitrary<unknown> {
  return NODE_ARBITRARIES[kind];
}
