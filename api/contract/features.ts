/**
 * Admin routes of features, drafts, validation, publishing, versions, rollback, export and payload tests.
 * Pure zod: the service validates and serializes with these schemas; the editor imports their types.
 */
import { z } from 'zod';
import { TOKEN_STATUSES } from '../../engine/facts/facts';
import { GraphShapeSchema } from '../../engine/graph/graph-schema';
import { USER_STATES } from '../../engine/nodes/kinds';
import { ERROR_CODES, IdSchema, NoContent, route } from './common';
import { RequestContextBodySchema } from './decisions';
import { TestedSchema, TestGraphSchema } from './feature-test';
import { ChangeRequestView } from './release';

const tags = ['features'];
const versionTags = ['versions'];

export const FeatureParams = z.object({ id: z.string().min(1).max(128).describe('feature id') });
export const VersionParams = FeatureParams.extend({
  version: z.coerce.number().int().min(1).describe('version number'),
});

const entitlementList = z.array(z.string().min(1).max(128)).max(100);

/** A graph as stored and answered: React Flow's serialized shape, every extra field kept. */
export const GraphSchema = z
  .looseObject({
    nodes: z.array(
      z.looseObject({
        id: z.string(),
        type: z.string(),
        position: z.object({ x: z.number(), y: z.number() }).optional(),
        data: z.unknown().optional(),
      }),
    ),
    edges: z.array(
      z.looseObject({
        id: z.string(),
        source: z.string(),
        target: z.string(),
        sourceHandle: z.string().nullish(),
        targetHandle: z.string().nullish(),
      }),
    ),
  })
  .meta({ id: 'Graph', description: 'A rule graph (docs/graph.schema.json has each node kind)' });

export type GraphView = z.infer<typeof GraphSchema>;

export const FeatureSettingsSchema = z.looseObject({
  requireSuite: z.boolean().optional().describe('publishing and rollback need every suite of the feature to pass'),
  cacheMaxAgeSec: z.number().int().optional().describe('max-age of shared GET decisions (default 0)'),
});

export const FeatureListItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    customerEntitlements: z.array(z.string()),
    settings: FeatureSettingsSchema,
    publishedVersion: z.number().int().nullable(),
    draftDiffers: z.boolean().describe('the draft differs from the published graph (true when never published)'),
    draftUpdatedAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'FeatureSummary' });
export const FeatureSchema = FeatureListItemSchema.extend({ draft: GraphSchema }).meta({
  id: 'Feature',
});
export type FeatureSummary = z.infer<typeof FeatureListItemSchema>;
export type FeatureView = z.infer<typeof FeatureSchema>;

export const CreateFeatureBody = z
  .object({
    id: IdSchema.describe('feature id (letters, digits and _ . : -)'),
    name: z.string().min(1).max(200),
    customerEntitlements: entitlementList.default([]),
  })
  .strict();
export const PatchFeatureBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    customerEntitlements: entitlementList.optional(),
    settings: z
      .object({
        requireSuite: z.boolean().optional(),
        cacheMaxAgeSec: z.number().int().min(0).max(86_400).optional().describe('max-age of shared GET decisions'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const DraftBody = z.object({ graph: GraphShapeSchema }).strict();

export const ProblemSchema = z
  .object({
    code: z.enum(ERROR_CODES),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    nodeId: z.string().optional(),
    edgeId: z.string().optional(),
    field: z.string().optional(),
  })
  .meta({ id: 'Problem' });
export type ProblemView = z.infer<typeof ProblemSchema>;

export const DraftSavedSchema = z.object({
  savedAt: z.string(),
  problems: z.array(ProblemSchema).describe('what publishing would refuse, and warnings (the draft is saved anyway)'),
});
export const ValidateBody = z.object({ graph: z.unknown().optional().describe('default: the stored draft') }).strict();
export const ValidationSchema = z.object({ ok: z.boolean(), problems: z.array(ProblemSchema) });

export const PublishBody = z
  .object({ note: z.string().max(2000).default(''), author: z.string().min(1).max(200).default('admin') })
  .strict();
export const PublishedSchema = z.object({ version: z.number().int(), createdAt: z.string() });

export const VersionSummarySchema = z
  .object({
    featureId: z.string(),
    version: z.number().int(),
    author: z.string(),
    note: z.string(),
    createdAt: z.string(),
    rolledBackFrom: z.number().int().nullable(),
  })
  .meta({ id: 'VersionSummary' });
export type VersionSummary = z.infer<typeof VersionSummarySchema>;
export const VersionSchema = VersionSummarySchema.extend({ graph: GraphSchema });

export const RollbackBody = z
  .object({
    version: z.number().int().min(1),
    note: z.string().max(2000).optional(),
    author: z.string().min(1).max(200).default('admin'),
  })
  .strict();
export const RolledBackSchema = PublishedSchema.extend({ rolledBackFrom: z.number().int() });

/** The default environment requires approval: the change request opened instead of a version going live. */
const PendingApprovalSchema = z.object({
  status: z.literal('pendingApproval'),
  environment: z.string(),
  changeRequest: ChangeRequestView,
});

export const TestBody = z
  .object({
    against: z.union([z.literal('draft'), z.literal('published'), z.number().int().min(1)]).default('draft'),
    claims: z.record(z.string(), z.unknown()).optional().describe('claims taken as verified (test only)'),
    token: z.string().max(16_384).optional().describe('a token, verified with the JWT settings'),
    context: RequestContextBodySchema.default({}),
    now: z.iso.datetime({ offset: true }).optional(),
    visitorId: z.string().max(256).optional(),
    trials: z
      .record(z.string(), z.enum(['allowed', 'exhausted']))
      .optional()
      .describe('trial node id -> state'),
    graph: TestGraphSchema.optional(),
  })
  .strict()
  .refine((b) => !(b.claims && b.token), { message: 'give claims or a token, not both', path: ['token'] });

export const TraceEntrySchema = z.object({
  order: z.number().int(),
  kind: z.string(),
  tested: z.string(),
  value: z.unknown(),
  branch: z.string().nullable(),
});

export const TestResultSchema = z
  .object({
    feature: z.string(),
    version: z.union([z.number().int(), z.literal('draft')]),
    tested: TestedSchema,
    decision: z.string().nullable(),
    payload: z.unknown(),
    userState: z.enum(USER_STATES),
    products: z.array(z.string()),
    entitlements: z.array(z.string()),
    path: z.array(z.string()),
    reasons: z.array(z.string()).describe('one plain sentence per node on the path'),
    trace: z.record(z.string(), TraceEntrySchema).optional().describe('per node id: what it tested and the branch'),
    deadEnd: z
      .object({ nodeId: z.string(), branch: z.string().nullable() })
      .nullable()
      .describe('where a draft walk stopped without an outcome'),
    token: z.object({ status: z.enum(TOKEN_STATUSES), reason: z.string().nullable() }),
  })
  .meta({ id: 'TestResult' });
export type TestResult = z.infer<typeof TestResultSchema>;

export const featureRoutesContract = {
  list: route({
    operationId: 'listFeatures',
    summary: 'Features (without their drafts)',
    tags,
    access: 'admin',
    ok: { 200: z.array(FeatureListItemSchema) },
  }),
  create: route({
    operationId: 'createFeature',
    summary: 'Create a feature (its draft is a lone start node)',
    tags,
    access: 'admin',
    body: CreateFeatureBody,
    ok: { 201: FeatureSchema },
    errors: [409],
  }),
  get: route({
    operationId: 'getFeature',
    summary: 'A feature with its draft',
    tags,
    access: 'admin',
    params: FeatureParams,
    ok: { 200: FeatureSchema },
    errors: [404],
  }),
  patch: route({
    operationId: 'updateFeature',
    summary: 'Change name, customer entitlements or settings',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: PatchFeatureBody,
    ok: { 200: FeatureSchema },
    errors: [404],
  }),
  delete: route({
    operationId: 'deleteFeature',
    summary: 'Delete a feature with its versions and suites',
    tags,
    access: 'admin',
    params: FeatureParams,
    ok: { 204: NoContent },
    errors: [404],
  }),
  saveDraft: route({
    operationId: 'saveDraft',
    summary: 'Save the draft graph (shape checked; problems listed, not refused)',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: DraftBody,
    ok: { 200: DraftSavedSchema },
    errors: [404],
  }),
  validate: route({
    operationId: 'validateGraph',
    summary: 'Validate a graph (or the stored draft) as publishing would',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: ValidateBody,
    ok: { 200: ValidationSchema },
    errors: [404],
  }),
  publish: route({
    operationId: 'publish',
    summary:
      'Publish the draft as a new version (202 with a change request when the default environment needs approval)',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: PublishBody,
    ok: { 201: PublishedSchema, 202: PendingApprovalSchema },
    errors: [404, 409],
  }),
  versions: route({
    operationId: 'listVersions',
    summary: 'Published versions, newest first',
    tags: versionTags,
    access: 'admin',
    params: FeatureParams,
    ok: { 200: z.array(VersionSummarySchema) },
    errors: [404],
  }),
  version: route({
    operationId: 'getVersion',
    summary: 'A version with its graph',
    tags: versionTags,
    access: 'admin',
    params: VersionParams,
    ok: { 200: VersionSchema },
    errors: [404],
  }),
  export: route({
    operationId: 'exportVersion',
    summary: 'The compiled json-rules-engine rule set of a version',
    tags: versionTags,
    access: 'admin',
    params: VersionParams,
    ok: { 200: z.unknown().describe('compiled rule set (claimflow.compiled format)') },
    errors: [404],
  }),
  rollback: route({
    operationId: 'rollback',
    summary: 'Publish an earlier version again as a new version',
    tags: versionTags,
    access: 'admin',
    params: FeatureParams,
    body: RollbackBody,
    ok: { 201: RolledBackSchema, 202: PendingApprovalSchema },
    errors: [404, 409],
  }),
  test: route({
    operationId: 'testPayload',
    summary: 'Test a payload against a graph sent with it, the draft or a version',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: TestBody,
    ok: { 200: TestResultSchema },
    errors: [404, 409],
  }),
};
