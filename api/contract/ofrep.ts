/**
 * The OpenFeature Remote Evaluation Protocol (OFREP, open-feature/protocol `service/openapi.yaml`) as Claimflow
 * answers it: request and response shapes as pure zod schemas, and the two pure mappings every OFREP answer goes
 * through (evaluation context -> token, visitor id and request context; decision path -> OpenFeature reason).
 * No Node built-ins: the service, the SDK's OpenFeature provider and a Fastify type provider share this file.
 *
 * | OpenFeature | Claimflow |
 * | --- | --- |
 * | flag key | feature id |
 * | value, variant | the decision (a string) |
 * | reason | `SPLIT` when a bucket node is on the path, `DEFAULT` when no node between start and outcome tested anything, `TARGETING_MATCH` otherwise, `ERROR` with an error code |
 * | metadata | `version` (number), `path` (JSON array of node ids), `userState`, `payload` (JSON text), `tokenStatus` |
 * | context `token` | the visitor's JWT, verified like a request token (claims in the context are never trusted) |
 * | context `targetingKey` | the visitor id of an anonymous visitor (split-test buckets, meters) |
 * | other context attributes | the request context (`device`, `country`, `contentId`, ...); unknown names go to `custom.<name>` |
 */
import { z } from 'zod';
import type { CompiledFeature } from '../../engine/compile/compiled-feature';
import { visitorStateKinds } from '../../engine/evaluate/visitor-state';
import { type RequestContext, RequestContextSchema } from '../../engine/facts/request-context';
import { isNodeKind } from '../../engine/nodes/kinds';
import { nodeDefinition } from '../../engine/nodes/registry';

export const OFREP_ERROR_CODES = [
  'FLAG_NOT_FOUND',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'PARSE_ERROR',
  'GENERAL',
] as const;
export const OfrepErrorCodeSchema = z.enum(OFREP_ERROR_CODES);
export type OfrepErrorCode = z.infer<typeof OfrepErrorCodeSchema>;

export const OFREP_REASONS = ['TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'ERROR'] as const;
export const OfrepReasonSchema = z.enum(OFREP_REASONS);
export type OfrepReason = z.infer<typeof OfrepReasonSchema>;

/** OpenFeature evaluation context: any JSON object (validated by `readOfrepContext`). */
export const OfrepContextSchema = z.record(z.string(), z.unknown());

/** Body of both evaluation endpoints. */
export const OfrepEvaluationRequestSchema = z.object({ context: OfrepContextSchema.optional() });
export type OfrepEvaluationRequest = z.infer<typeof OfrepEvaluationRequestSchema>;

/** Flag metadata: primitives only (OpenFeature drops anything else). */
export const OfrepMetadataSchema = z.object({
  version: z.number().int(),
  path: z.string().describe('JSON array of the node ids from start to the outcome'),
  userState: z.enum(['anonymous', 'registered', 'customer']),
  payload: z.string().describe("JSON text of the outcome's payload (`null` when it has none)"),
  tokenStatus: z.string(),
});
export type OfrepMetadata = z.infer<typeof OfrepMetadataSchema>;

export const OfrepEvaluationSuccessSchema = z.object({
  key: z.string(),
  value: z.string(),
  variant: z.string(),
  reason: OfrepReasonSchema,
  metadata: OfrepMetadataSchema,
});
export type OfrepEvaluationSuccess = z.infer<typeof OfrepEvaluationSuccessSchema>;

/** Single-flag success: decisions depend on the visitor, so never cacheable by the provider. */
export const OfrepServerEvaluationSuccessSchema = OfrepEvaluationSuccessSchema.extend({ cacheable: z.boolean() });

export const OfrepEvaluationFailureSchema = z.object({
  key: z.string(),
  errorCode: OfrepErrorCodeSchema,
  errorDetails: z.string(),
  reason: z.literal('ERROR'),
});
export type OfrepEvaluationFailure = z.infer<typeof OfrepEvaluationFailureSchema>;

export const OfrepBulkEvaluationSuccessSchema = z.object({
  flags: z.array(z.union([OfrepEvaluationSuccessSchema, OfrepEvaluationFailureSchema])),
});
export type OfrepBulkEvaluationSuccess = z.infer<typeof OfrepBulkEvaluationSuccessSchema>;

/** A failure of the whole bulk request (bad context, unparsable body). */
export const OfrepBulkEvaluationFailureSchema = z.object({
  errorCode: OfrepErrorCodeSchema,
  errorDetails: z.string(),
});

/** `GET /ofrep/v1/configuration` (OFREP extension): what a provider may assume. */
export const OfrepConfigurationSchema = z.object({
  name: z.string(),
  capabilities: z.object({
    cacheInvalidation: z.object({
      polling: z.object({ enabled: z.boolean(), minPollingIntervalMs: z.number() }),
    }),
    flagEvaluation: z.object({ supportedTypes: z.array(z.enum(['int', 'float', 'string', 'boolean', 'object'])) }),
  }),
});
export type OfrepConfiguration = z.infer<typeof OfrepConfigurationSchema>;

export const OFREP_CONFIGURATION: OfrepConfiguration = {
  name: 'claimflow',
  capabilities: {
    cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1_000 } },
    flagEvaluation: { supportedTypes: ['string'] },
  },
};

export const OfrepGeneralErrorSchema = z.object({ errorDetails: z.string() });

/** HTTP status of a single-flag failure. */
export function ofrepStatus(code: OfrepErrorCode): 400 | 404 | 500 {
  return code === 'FLAG_NOT_FOUND' ? 404 : code === 'GENERAL' ? 500 : 400;
}

/** A visitor id usable as an anonymous visitor's key (the same rule as the `cf_vid` cookie). */
export const TARGETING_KEY = /^[A-Za-z0-9-]{8,64}$/;

export type OfrepContextRead =
  | { ok: true; token: string | null; targetingKey: string | null; context: RequestContext }
  | { ok: false; errorCode: 'INVALID_CONTEXT'; errorDetails: string };

const REQUEST_KEYS = new Set(Object.keys(RequestContextSchema.shape));

/**
 * Splits an OpenFeature evaluation context: `token` (the visitor's JWT), `targetingKey` (anonymous visitor id),
 * and the request context (known names as they are; any other attribute as `custom.<name>`).
 * @example readOfrepContext({ token, targetingKey: 'visitor-42', device: 'mobile', plan: 'x' })
 *   // { ok: true, token, targetingKey: 'visitor-42', context: { device: 'mobile', custom: { plan: 'x' } } }
 */
export function readOfrepContext(raw: unknown): OfrepContextRead {
  const invalid = (details: string): OfrepContextRead => ({
    ok: false,
    errorCode: 'INVALID_CONTEXT',
    errorDetails: details,
  });
  if (raw === undefined || raw === null) return { ok: true, token: null, targetingKey: null, context: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) return invalid('context: must be an object');
  const { token, targetingKey, ...rest } = raw as Record<string, unknown>;
  if (token !== undefined && token !== null && typeof token !== 'string')
    return invalid('context.token: must be a string (the visitor JWT)');
  if (targetingKey !== undefined && targetingKey !== null && targetingKey !== '') {
    if (typeof targetingKey !== 'string' || !TARGETING_KEY.test(targetingKey))
      return invalid('context.targetingKey: must be 8 to 64 letters, digits or -');
  }
  // built with Object.fromEntries (own data properties): an attribute named __proto__ never sets a prototype
  const entries = Object.entries(rest).filter(([name]) => name !== 'custom');
  const given = rest.custom && typeof rest.custom === 'object' && !Array.isArray(rest.custom) ? rest.custom : {};
  const customEntries = [...Object.entries(given), ...entries.filter(([name]) => !REQUEST_KEYS.has(name))];
  const known: Record<string, unknown> = Object.fromEntries(entries.filter(([name]) => REQUEST_KEYS.has(name)));
  if (customEntries.length > 0) known.custom = Object.fromEntries(customEntries);
  const parsed = RequestContextSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`context.${issue.path.join('.')}: ${issue.message}`);
  }
  return {
    ok: true,
    token: typeof token === 'string' && token !== '' ? token : null,
    targetingKey: typeof targetingKey === 'string' && targetingKey !== '' ? targetingKey : null,
    context: parsed.data,
  };
}

/** Whether a feature keeps per-visitor state (split tests, meters): an anonymous visitor then needs a targetingKey. */
export function needsVisitorId(compiled: CompiledFeature): boolean {
  const state = visitorStateKinds(compiled);
  return state.assigned || state.metered;
}

/** Node id -> kind, for `ofrepReason` (build it once per compiled version). */
export function nodeKinds(compiled: CompiledFeature): ReadonlyMap<string, string> {
  return new Map(compiled.nodes.map((n) => [n.id, n.type]));
}

/** The OpenFeature reason of a decision from the node kinds on its path. */
export function ofrepReason(kinds: ReadonlyMap<string, string>, path: readonly string[]): OfrepReason {
  let tested = false;
  for (const id of path) {
    const kind = kinds.get(id);
    if (kind === undefined || !isNodeKind(kind)) continue;
    const def = nodeDefinition(kind);
    if (def.visitorState?.assign) return 'SPLIT'; // a sticky pseudo-random assignment decided
    if (!def.entry && !def.terminal) tested = true;
  }
  return tested ? 'TARGETING_MATCH' : 'DEFAULT';
}

/** The success body for a decision. */
export function ofrepSuccess(
  key: string,
  answer: {
    decision: string;
    payload: unknown;
    path: readonly string[];
    userState: OfrepMetadata['userState'];
    version: number;
    tokenStatus: string;
  },
  kinds: ReadonlyMap<string, string>,
): OfrepEvaluationSuccess {
  return {
    key,
    value: answer.decision,
    variant: answer.decision,
    reason: ofrepReason(kinds, answer.path),
    metadata: {
      version: answer.version,
      path: JSON.stringify(answer.path),
      userState: answer.userState,
      payload: JSON.stringify(answer.payload ?? null),
      tokenStatus: answer.tokenStatus,
    },
  };
}

export function ofrepFailure(key: string, errorCode: OfrepErrorCode, errorDetails: string): OfrepEvaluationFailure {
  return { key, errorCode, errorDetails, reason: 'ERROR' };
}

const ofrepTags = ['openfeature'];
const notModified = z.null().describe('Not modified: the If-None-Match ETag is current');
/** An unknown or revoked site key: `GENERAL` with the CF_SITE_KEY_INVALID message (OFREP's unauthorized status). */
const siteKeyRefused = OfrepBulkEvaluationFailureSchema.describe('unknown or revoked site key (CF_SITE_KEY_INVALID)');
/** OFREP routes answer OFREP's own shapes (never the Claimflow error shape), and need no credential. */
export const ofrepRoutesContract = {
  configuration: {
    operationId: 'ofrepConfiguration',
    summary: 'OFREP: provider configuration (string flags, polling)',
    tags: ofrepTags,
    security: [],
    response: { 200: OfrepConfigurationSchema, 304: notModified, 500: OfrepBulkEvaluationFailureSchema },
  },
  evaluateFlag: {
    operationId: 'ofrepEvaluateFlag',
    summary: 'OFREP: evaluate one flag (flag key = feature id); trial meters count',
    tags: ofrepTags,
    security: [],
    params: z.object({ key: z.string().describe('feature id') }),
    body: OfrepEvaluationRequestSchema,
    response: {
      200: OfrepServerEvaluationSuccessSchema,
      // without a flag key in the path (an empty key), a failure names no key
      400: z.union([OfrepEvaluationFailureSchema, OfrepBulkEvaluationFailureSchema]),
      401: siteKeyRefused,
      404: OfrepEvaluationFailureSchema,
      500: z.union([OfrepEvaluationFailureSchema, OfrepBulkEvaluationFailureSchema]),
    },
  },
  evaluateFlags: {
    operationId: 'ofrepEvaluateFlags',
    summary: 'OFREP: evaluate every published flag (dry run; ETag)',
    tags: ofrepTags,
    security: [],
    body: OfrepEvaluationRequestSchema,
    response: {
      200: OfrepBulkEvaluationSuccessSchema,
      304: notModified,
      400: OfrepBulkEvaluationFailureSchema,
      401: siteKeyRefused,
      500: OfrepBulkEvaluationFailureSchema,
    },
  },
};
