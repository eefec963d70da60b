/** Admin routes of replay suites, runs, impact analysis and the decision log. Pure zod. */
import { z } from 'zod';
import { TOKEN_STATUSES } from '../../engine/facts/facts';
import { USER_STATES } from '../../engine/nodes/kinds';
import { ReplayCaseSchema, SuiteSchema } from '../../engine/replay/suite-schema';
import { AgainstSchema, IdSchema, NoContent, route } from './common';
import { FeatureParams } from './features';
import { TokenCaseReportSchema } from './jwt-settings';

const tags = ['replay'];
const SuiteParams = FeatureParams.extend({ suite: z.string().min(1).max(128).describe('suite id') });

export const SuiteCaseSchema = ReplayCaseSchema.meta({
  id: 'SuiteCase',
  description:
    'A case: `input` (claims or token, context, now, visitorId, trials) and `expect` (decision, path, userState)',
});

/** The suite file format (docs/suite.schema.json): what PUT takes and GET answers. */
export const SuiteFileSchema = z
  .object({
    $schema: z.string(),
    id: z.string(),
    name: z.string(),
    feature: z.string(),
    cases: z.array(SuiteCaseSchema),
  })
  .meta({ id: 'SuiteFile' });
export type SuiteFile = z.infer<typeof SuiteFileSchema>;

export const SuiteBodySchema = SuiteSchema.extend({
  id: z.string().optional().describe('ignored: the URL names it'),
}).meta({
  id: 'SuiteBody',
  examples: [
    {
      name: 'Zephr tutorial visitors',
      feature: 'article',
      cases: [
        { name: 'anonymous', input: {}, expect: { decision: 'register' } },
        { name: 'gold customer', input: { claims: { sub: 'u1', prodsub: ['gold'] } }, expect: { decision: 'show' } },
        {
          name: 'utm campaign',
          input: { context: { url: '/news/1?utm_source=mail' }, now: '2026-01-05T10:00:00Z' },
          expect: { decision: 'show', userState: 'anonymous' },
        },
      ],
    },
  ],
});

export const SuiteSummarySchema = z.object({
  $schema: z.string(),
  id: z.string(),
  name: z.string(),
  feature: z.string(),
  caseCount: z.number().int(),
  updatedAt: z.string(),
});

const CaseResultSchema = z.object({
  name: z.string(),
  pass: z.boolean(),
  expected: z.unknown().describe("the case's expect"),
  actual: z.object({
    decision: z.string().nullable(),
    path: z.array(z.string()),
    userState: z.enum(USER_STATES).nullable(),
  }),
  mismatches: z.array(z.string()).describe('what differs, in plain words'),
  error: z.string().optional().describe('the input could not be turned into facts'),
  token: z.object({ status: z.enum(TOKEN_STATUSES), reason: z.string().nullable() }).nullable(),
});

export const ReplayResultSchema = z
  .object({
    feature: z.string(),
    against: z.union([z.literal('draft'), z.literal('published'), z.number().int()]),
    version: z.union([z.number().int(), z.literal('draft')]),
    run: z.object({
      results: z.array(CaseResultSchema),
      passed: z.number().int(),
      failed: z.number().int(),
      summary: z.string(),
    }),
  })
  .meta({ id: 'ReplayResult' });
export type ReplayResult = z.infer<typeof ReplayResultSchema>;

export const RunSuiteBody = z.object({ against: AgainstSchema.optional().describe('default "published"') }).strict();
export const ReplayBody = z
  .object({ against: AgainstSchema.optional(), cases: z.array(SuiteCaseSchema).describe('cases to replay') })
  .describe('checked as a suite: problems name the case');

export const ImpactBody = z
  .object({
    from: AgainstSchema.default('published'),
    to: AgainstSchema.default('draft'),
    suite: IdSchema.optional().describe('the suite to compare over (source "suite")'),
    source: z.enum(['suite', 'log']).default('suite'),
    limit: z.number().int().min(1).max(100_000).default(10_000).describe('recorded decisions read (source "log")'),
  })
  .strict();
export const ImpactSchema = z
  .object({
    feature: z.string(),
    from: z.union([z.number().int(), z.literal('draft')]),
    to: z.union([z.number().int(), z.literal('draft')]),
    source: z.enum(['suite', 'log']),
    total: z.number().int(),
    changed: z.number().int(),
    transitions: z.array(z.object({ from: z.string().nullable(), to: z.string().nullable(), count: z.number().int() })),
    rows: z.array(z.object({ name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  })
  .meta({ id: 'Impact' });

export const DecisionLogEntrySchema = z
  .object({
    featureId: z.string(),
    version: z.number().int(),
    at: z.string(),
    input: z.unknown().describe('claims (redacted), context and clock of the decision'),
    decision: z.string().nullable(),
    path: z.array(z.string()),
  })
  .meta({ id: 'DecisionLogEntry' });

export const replayRoutesContract = {
  tokenCheck: route({
    operationId: 'checkSuiteTokens',
    summary: 'Stored suite cases whose token does not verify with the current JWT settings (at the case clock)',
    tags,
    access: 'admin',
    ok: { 200: TokenCaseReportSchema },
  }),
  list: route({
    operationId: 'listSuites',
    summary: 'Suites of a feature (without their cases)',
    tags,
    access: 'admin',
    params: FeatureParams,
    ok: { 200: z.array(SuiteSummarySchema) },
    errors: [404],
  }),
  put: route({
    operationId: 'putSuite',
    summary: 'Create or replace a suite (the JSON suite file format)',
    tags,
    access: 'admin',
    params: SuiteParams,
    body: SuiteBodySchema,
    ok: { 200: SuiteFileSchema },
    errors: [404],
  }),
  get: route({
    operationId: 'getSuite',
    summary: 'A suite, as a suite file',
    tags,
    access: 'admin',
    params: SuiteParams,
    ok: { 200: SuiteFileSchema },
    errors: [404],
  }),
  delete: route({
    operationId: 'deleteSuite',
    summary: 'Delete a suite',
    tags,
    access: 'admin',
    params: SuiteParams,
    ok: { 204: NoContent },
    errors: [404],
  }),
  run: route({
    operationId: 'runSuite',
    summary: 'Run a stored suite against draft, published or a version',
    tags,
    access: 'admin',
    params: SuiteParams,
    body: RunSuiteBody,
    ok: { 200: ReplayResultSchema },
    errors: [404, 409],
  }),
  replay: route({
    operationId: 'replayCases',
    summary: 'Replay cases given in the body',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: ReplayBody,
    ok: { 200: ReplayResultSchema },
    errors: [404, 409],
  }),
  impact: route({
    operationId: 'impact',
    summary: 'Decisions that change between two versions, over a suite or recorded traffic',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: ImpactBody,
    ok: { 200: ImpactSchema },
    errors: [404, 409],
  }),
  log: route({
    operationId: 'listDecisionLog',
    summary: 'Recorded decisions (sampled, claims redacted), newest first',
    tags,
    access: 'admin',
    params: FeatureParams,
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
    ok: { 200: z.array(DecisionLogEntrySchema) },
    errors: [404],
  }),
  logCases: route({
    operationId: 'decisionLogCases',
    summary: 'Turn recorded decisions into replay cases (expecting what was decided)',
    tags,
    access: 'admin',
    params: FeatureParams,
    body: z.object({ limit: z.number().int().min(1).max(10_000).default(100) }).strict(),
    ok: { 200: z.object({ name: z.string(), feature: z.string(), cases: z.array(SuiteCaseSchema) }) },
    errors: [404],
  }),
};
