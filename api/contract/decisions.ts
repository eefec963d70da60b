/**
 * The public decision routes: `POST /v1/decisions` (one feature or a batch) and `GET /v1/decisions/:feature`.
 * Pure zod: the service validates requests with these schemas, the OpenAPI document and the editor use them too.
 */
import { z } from 'zod';
import { TOKEN_STATUSES } from '../../engine/facts/facts';
import { RequestContextSchema } from '../../engine/facts/request-context';
import { USER_STATES } from '../../engine/nodes/kinds';
import { route } from './common';
import { DecisionMetersSchema } from './meters';
import { SITE_KEY_QUERY } from './release';

export const DecisionFeatureIdSchema = z.string().min(1).max(128);

export const RequestContextBodySchema = RequestContextSchema.meta({
  id: 'RequestContext',
  description:
    'What the site knows about the request. `url` fills `path` and `query` when they are not given; `custom.<name>` ' +
    'is read by request nodes as `custom.<name>`; `userAgent` defaults to the User-Agent header.',
});

export const DecisionBodySchema = z
  .object({
    feature: DecisionFeatureIdSchema.optional().describe('one feature id'),
    features: z.array(DecisionFeatureIdSchema).min(1).max(50).optional().describe('a batch of feature ids'),
    context: RequestContextBodySchema.default({}),
    dryRun: z.boolean().default(false).describe('decide without counting trial meters or recording'),
  })
  .strict()
  .refine((b) => b.feature !== undefined || b.features !== undefined, {
    message: 'give "feature" (one feature id) or "features" (a batch of ids)',
    path: ['feature'],
  })
  .refine((b) => b.feature === undefined || b.features === undefined, {
    message: 'give "feature" (one) or "features" (a batch), not both',
    path: ['features'],
  })
  .meta({
    id: 'DecisionRequest',
    examples: [
      { feature: 'article', context: { url: '/news/1?utm_source=mail', device: 'mobile' } },
      { features: ['article', 'paywall-banner'], context: { path: '/news/1' }, dryRun: true },
    ],
  });
export type DecisionRequest = z.input<typeof DecisionBodySchema>;

const DECISION_QUERY_NAMES = new Set([
  'url',
  'path',
  'referrer',
  'device',
  'country',
  'contentId',
  'userAgent',
  'dryRun',
  SITE_KEY_QUERY,
]);
const queryValue = z.union([z.string().max(2048), z.array(z.string().max(2048)).max(20)]);

/**
 * The GET form takes the whole request context as query parameters: the context fields by name, `query.<name>` for
 * a query parameter of the page (repeat it for several values), `custom.<name>` for a custom fact (a string) and
 * `dryRun=true`, and `siteKey` (the site key, when a header cannot be sent). Any other parameter is refused (400 naming it), so a misspelt name never passes silently.
 */
export const DecisionQuerySchema = RequestContextSchema.pick({
  url: true,
  path: true,
  referrer: true,
  device: true,
  country: true,
  contentId: true,
  userAgent: true,
})
  .extend({
    dryRun: z.enum(['true', 'false']).optional(),
    [SITE_KEY_QUERY]: z.string().max(256).optional().describe('the site key, when the header cannot be sent'),
  })
  .catchall(queryValue.describe('query.<name> (a query parameter of the page) or custom.<name> (a custom fact)'))
  .superRefine((q, ctx) => {
    for (const [name, value] of Object.entries(q)) {
      if (DECISION_QUERY_NAMES.has(name)) continue;
      const m = /^(query|custom)\.(.{1,128})$/.exec(name);
      if (!m)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'unknown parameter: give a context field, query.<name>, custom.<name> or dryRun',
        });
      else if (m[1] === 'custom' && Array.isArray(value))
        ctx.addIssue({ code: 'custom', path: [name], message: 'give a custom fact once' });
    }
  });
export type DecisionQuery = z.infer<typeof DecisionQuerySchema>;

/** The request context a GET decision's query parameters stand for. */
export function contextOfQuery(q: DecisionQuery): z.infer<typeof RequestContextSchema> {
  const context: Record<string, unknown> = {};
  const query: Record<string, string | string[]> = {};
  const custom: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(q)) {
    if (name === 'dryRun' || name === SITE_KEY_QUERY || value === undefined) continue;
    if (name.startsWith('query.')) query[name.slice(6)] = value;
    else if (name.startsWith('custom.')) custom[name.slice(7)] = value;
    else context[name] = value;
  }
  if (Object.keys(query).length > 0) context.query = query;
  if (Object.keys(custom).length > 0) context.custom = custom;
  return context as z.infer<typeof RequestContextSchema>;
}

export const TokenOutcomeSchema = z.object({
  status: z.enum(TOKEN_STATUSES),
  reason: z.string().nullable().describe('why the token is not valid (code: reason), null when valid or missing'),
});

export const DecisionAnswerSchema = z
  .object({
    feature: z.string(),
    decision: z.string().nullable().describe('the outcome reached; null when the graph reached none'),
    payload: z.unknown().describe("the outcome's payload (null when it has none)"),
    userState: z.enum(USER_STATES),
    products: z.array(z.string()).describe('product ids the token maps to'),
    entitlements: z.array(z.string()).describe('entitlement ids those products grant (with their ancestors)'),
    path: z.array(z.string()).describe('node ids from start to the outcome'),
    version: z.union([z.number().int(), z.literal('draft')]).describe('the version decided with ("draft" in preview)'),
    token: TokenOutcomeSchema,
    meters: DecisionMetersSchema.optional(),
  })
  .meta({
    id: 'Decision',
    examples: [
      {
        feature: 'article',
        decision: 'show',
        payload: null,
        userState: 'customer',
        products: ['gold'],
        entitlements: ['premium'],
        path: ['start', 'state', 'premium', 'show'],
        version: 3,
        token: { status: 'valid', reason: null },
      },
    ],
  });
export type DecisionAnswer = z.infer<typeof DecisionAnswerSchema>;

export const DecisionFailureSchema = z
  .object({
    feature: z.string(),
    error: z.object({
      code: z.enum(['CF_FEATURE_NOT_FOUND', 'CF_FEATURE_NOT_PUBLISHED', 'CF_VERSION_NOT_FOUND']),
      message: z.string(),
    }),
  })
  .meta({
    id: 'DecisionFailure',
    description: 'A feature of a batch that could not be decided: its entry carries the error in place of a decision',
  });
export type DecisionFailure = z.infer<typeof DecisionFailureSchema>;

export const DecisionBatchSchema = z
  .object({
    decisions: z
      .array(z.union([DecisionAnswerSchema, DecisionFailureSchema]))
      .describe('one entry per requested feature, in request order'),
    token: TokenOutcomeSchema.describe('the visitor token, verified once for the whole batch'),
  })
  .meta({ id: 'DecisionBatch' });
export type DecisionBatch = z.infer<typeof DecisionBatchSchema>;

const tags = ['decisions'];

export const decisionRoutesContract = {
  post: route({
    operationId: 'decide',
    summary: 'Decide for one feature or a batch',
    description:
      'Give `feature` for one decision (answers a Decision) or `features` for a batch (answers a DecisionBatch). ' +
      'The visitor token is read from the configured sources (header, Bearer, cookie).',
    tags,
    access: 'public',
    body: DecisionBodySchema,
    ok: { 200: z.union([DecisionAnswerSchema, DecisionBatchSchema]) },
    errors: [401, 403, 404, 409, 429],
  }),
  get: route({
    operationId: 'decideGet',
    summary: 'Decide for one feature (for sites and edge caches that cannot POST)',
    description:
      'Without a token or visitor cookie, on a feature without split tests or trial meters, the answer is the same for ' +
      'everyone: `Cache-Control: public, max-age=<feature setting cacheMaxAgeSec, default 0>`, an `ETag` (304 on ' +
      '`If-None-Match`) and `Vary` on every header that can change it. Every other answer is `private, no-store`.',
    tags,
    access: 'public',
    params: z.object({ feature: DecisionFeatureIdSchema }).strict(),
    querystring: DecisionQuerySchema,
    ok: {
      200: DecisionAnswerSchema,
      304: z.null().describe('Not modified: a shared (public) answer whose ETag the client or CDN holds'),
    },
    errors: [401, 403, 404, 409, 429],
  }),
};
