/** The editor's node registry: one spec per kind, typed so that a kind without one fails the type check. */
import type { NodeKind } from '../../../engine/nodes/kinds';
import { bucketSpec } from './bucket/spec';
import { conditionsSpec } from './conditions/spec';
import { jwtClaimSpec } from './jwtClaim/spec';
import { outcomeSpec } from './outcome/spec';
import { productSpec } from './product/spec';
import { requestSpec } from './request/spec';
import { scheduleSpec } from './schedule/spec';
import type { EditorNodeSpec } from './spec';
import { startSpec } from './start/spec';
import { switchSpec } from './switch/spec';
import { trialSpec } from './trial/spec';
import { userStateSpec } from './userState/spec';

export const EDITOR_NODES: Record<NodeKind, EditorNodeSpec> = {
  start: startSpec,
  userState: userStateSpec,
  jwtClaim: jwtClaimSpec,
  product: productSpec,
  request: requestSpec,
  schedule: scheduleSpec,
  bucket: bucketSpec,
  trial: trialSpec,
  switch: switchSpec,
  conditions: conditionsSpec,
  outcome: outcomeSpec,
};
