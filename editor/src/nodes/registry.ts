/**
 * The editor's node registry: one spec per kind, each typed by that kind's data, so a kind without a spec, a spec
 * for the wrong data or a schema field without a form control fails the type check.
 */
import type { NodeKind } from '../../../engine';
import { bucketSpec } from './bucket/spec';
import { conditionsSpec } from './conditions/spec';
import { jwtClaimSpec } from './jwtClaim/spec';
import { outcomeSpec } from './outcome/spec';
import { productSpec } from './product/spec';
import { requestSpec } from './request/spec';
import { scheduleSpec } from './schedule/spec';
import type { AnyEditorNodeSpec, EditorNodeSpec } from './spec';
import { startSpec } from './start/spec';
import { switchSpec } from './switch/spec';
import { trialSpec } from './trial/spec';
import { userStateSpec } from './userState/spec';

export const TYPED_EDITOR_NODES = {
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
} as const satisfies { [K in NodeKind]: EditorNodeSpec<K> };

/** Every kind's spec with its data type erased (callers pass the node's own data). */
export const EDITOR_NODES = TYPED_EDITOR_NODES as unknown as Record<NodeKind, AnyEditorNodeSpec>;
