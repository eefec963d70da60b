/**
 * engine: graph schema, validator, compiler and the fast evaluator. Pure: no I/O, no HTTP, no storage, and safe for the
 * browser. The json-rules-engine reference evaluator has its own entry, `engine/rules-engine.ts`.
 */

export type { CompileOptions } from './compile/compile-graph';
export { compileGraph } from './compile/compile-graph';
export type { CompiledFeature, CompiledNode, CompiledRule } from './compile/compiled-feature';
export { COMPILED_FORMAT, CompiledFeatureSchema } from './compile/compiled-feature';
export type { ErrorCode, ErrorLocation, ErrorSpec } from './errors/catalogue';
export { ClaimflowError, ERRORS, isClaimflowError, RETIRED_CODES } from './errors/catalogue';
export type { Problem, ProblemLocation, ZodProblemOptions } from './errors/problem';
export { fieldPath, problem, problemsError, zodProblems } from './errors/problem';
export type { Decision, Evaluator, TraceEntry } from './evaluate/evaluate';
export { evaluate, prepareEvaluator } from './evaluate/evaluate';
export type { OperatorCallback } from './evaluate/rule-operators';
export { claimflowOperators, isClaimflowOperator, registerClaimflowOperators } from './evaluate/rule-operators';
export type { MeterUse, StateFacts } from './evaluate/visitor-state';
export { assignState, emptyState, meterUses, visitorStateKinds } from './evaluate/visitor-state';
export type { Facts, FactsInput, RequestFacts, TokenStatus } from './facts/facts';
export { FACT_NAMES, RequestFactsSchema, TOKEN_STATUSES } from './facts/facts';
export type { RequestContext } from './facts/request-context';
export { RequestContextSchema, requestFacts } from './facts/request-context';
export type { Graph, GraphEdge, GraphNode, GraphShape } from './graph/graph-schema';
export { BaseNodeSchema, EdgeSchema, GRAPH_LIMITS, GraphSchema, GraphShapeSchema } from './graph/graph-schema';
export { graphJsonSchema } from './graph/json-schema';
export type { WeightedBucket } from './nodes/bucket/assign-bucket';
export { assignBucket, bucketPoint } from './nodes/bucket/assign-bucket';
export type { NodeData, NodeKind, UserState } from './nodes/kinds';
export { ENTRY_KIND, isNodeKind, NODE_KINDS, USER_STATES } from './nodes/kinds';
export type { Operator } from './nodes/lib/compare';
export { compare, OPERATOR_LABELS, OPERATORS, operandKind } from './nodes/lib/compare';
export { murmurhash3_32 } from './nodes/lib/murmurhash3';
export { lookupPath, parsePropertyPath } from './nodes/lib/property-path';
export { isValidTimeZone, WEEKDAYS } from './nodes/lib/time-zone';
export type {
  CatalogueCollection,
  CatalogueReference,
  NodeDefinition,
  NodeStep,
  PreparedNode,
  RuleCondition,
  VisitorStateHooks,
} from './nodes/node-definition';
export { NODE_REGISTRY, nodeDefinition } from './nodes/registry';
export { isRequestProperty, REQUEST_PROPERTIES } from './nodes/request/definition';
export { inSchedule } from './nodes/schedule/definition';
export type { TrialData } from './nodes/trial/definition';
export type { Period } from './nodes/trial/period';
export { parsePeriod, windowStart } from './nodes/trial/period';
export type { CaseFacts, CaseResult, Impact, ImpactRow, SuiteRun } from './replay/run-suite';
export { impact, judgeCase, runSuite } from './replay/run-suite';
export type { ReplayCase, ReplayInput, Suite, SuiteProblem } from './replay/suite-schema';
export {
  MAX_SUITE_CASES,
  parseSuite,
  ReplayCaseSchema,
  ReplayExpectSchema,
  ReplayInputSchema,
  SuiteSchema,
} from './replay/suite-schema';
export type { CandidateEdge, EdgeEnd, LooseGraph } from './validate/edge-rules';
export { connectionProblem } from './validate/edge-rules';
export type { CheckedGraph, CheckedNode, ValidateOptions, ValidationResult } from './validate/validate-graph';
export { validateGraph } from './validate/validate-graph';
export type {
  CatalogueEntitlement,
  CatalogueIndex,
  CatalogueProduct,
  IdentitySettings,
  UserIdProblem,
  Visitor,
} from './visitor/visitor-facts';
export {
  decisionFacts,
  entitlementsOf,
  indexCatalogue,
  productsFromClaim,
  userStateFor,
  visitorFromClaims,
  visitorKey,
} from './visitor/visitor-facts';
