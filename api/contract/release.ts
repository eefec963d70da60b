/**
 * HTTP shapes of the release flow (pure zod, no Node built-ins): environments and their approval settings, publishing,
 * promotion and rollback per environment, site keys, change requests.
 */
import { z } from 'zod';
import { NoContent, route } from './common';

export const EnvironmentName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'an environment name');

export const EnvironmentSettingsSchema = z
  .object({
    /** Publishing, promoting or rolling back here opens a change request instead of going live. */
    requiresApproval: z.boolean().default(false),
    /** Approvals (by publishers other than the author) a change request needs before it goes live. */
    approvalsNeeded: z.number().int().min(1).max(10).default(1),
  })
  .strict();
export type EnvironmentSettings = z.infer<typeof EnvironmentSettingsSchema>;

export const EnvironmentParams = z.object({ env: z.string().min(1).max(64) }).strict();
export const FeatureEnvironmentParams = z.object({ id: z.string().min(1).max(128), env: z.string().min(1).max(64) });

/** PUT /admin/v1/environments/:env */
export const EnvironmentSettingsBody = EnvironmentSettingsSchema.partial().strict();

export const EnvironmentView = z.object({
  name: z.string(),
  default: z.boolean(),
  requiresApproval: z.boolean(),
  approvalsNeeded: z.number().int(),
});
export const EnvironmentList = z
  .object({ default: z.string(), environments: z.array(EnvironmentView) })
  .meta({ id: 'Environments' });

const note = z.string().max(2000);
const author = z.string().min(1).max(200);

/**
 * A go-live time for a change request (an environment that requires approval): once approved, it goes live then, not at
 * the last approval (an approval after that time makes it live at once). Both or neither.
 */
const goLiveTime = {
  /** Wall-clock time in `timeZone`, e.g. `2026-11-27T00:00` (seconds optional), or an instant with an offset. */
  at: z.string().min(10).max(40).optional(),
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: z.string().min(1).max(64).optional(),
};

/** POST /admin/v1/features/:id/environments/:env/publish — the draft goes live in :env. */
export const EnvPublishBody = z
  .object({ note: note.default(''), author: author.default('admin'), ...goLiveTime })
  .strict();
/** POST /admin/v1/features/:id/environments/:env/promote — the version live in `from` goes live in :env. */
export const EnvPromoteBody = z
  .object({ from: z.string().min(1).max(64), note: note.default(''), author: author.default('admin'), ...goLiveTime })
  .strict();
/** POST /admin/v1/features/:id/environments/:env/rollback — a former version goes live again in :env. */
export const EnvRollbackBody = z
  .object({ version: z.number().int().min(1), note: note.optional(), author: author.default('admin'), ...goLiveTime })
  .strict();

/** The version live in each environment (null: none). */
export const FeatureEnvironmentsView = z.object({
  feature: z.string(),
  environments: z.array(z.object({ name: z.string(), default: z.boolean(), version: z.number().int().nullable() })),
});

// ---- site keys ----

const origin = z
  .string()
  .max(200)
  .regex(/^https?:\/\/[^/\s]+$/, 'an origin such as https://www.example.com (scheme, host and port, no path)');

export const SiteKeyCreateBody = z
  .object({
    name: z.string().min(1).max(200),
    environment: z.string().min(1).max(64),
    origins: z.array(origin).max(50).default([]),
  })
  .strict();

export const SiteKeyView = z
  .object({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    environment: z.string(),
    origins: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'SiteKey' });
export const SiteKeyParams = z.object({ id: z.string().min(1).max(64) }).strict();

/** The `siteKey` query parameter of the GET decision form (also accepted on the snapshot). */
export const SITE_KEY_QUERY = 'siteKey';
export const SITE_KEY_HEADER = 'x-claimflow-site-key';

// ---- change requests ----

export const ChangeRequestStatusSchema = z.enum(['open', 'approved', 'rejected', 'withdrawn', 'applied', 'failed']);

export const ChangeRequestListQuery = z
  .object({
    status: ChangeRequestStatusSchema.optional(),
    feature: z.string().min(1).max(128).optional(),
    environment: z.string().min(1).max(64).optional(),
  })
  .strict();
export const ChangeRequestParams = z.object({ id: z.string().min(1).max(64) }).strict();
/** approve / reject / withdraw / comment */
export const ChangeRequestCommentBody = z.object({ comment: z.string().max(4000).default('') }).strict();
export const ChangeRequestRejectBody = z.object({ comment: z.string().min(1).max(4000) }).strict();
/** approve, optionally setting (or moving) the go-live time */
export const ChangeRequestApproveBody = z.object({ comment: z.string().max(4000).default(''), ...goLiveTime }).strict();

const actor = z.object({ type: z.string(), id: z.string().nullable(), name: z.string() });
const diffNode = z.looseObject({ id: z.string(), type: z.string() });
/** What a reviewer sees: the diff against the live version, the feature's suites run on the proposal, the impact. */
export const ChangeRequestReviewSchema = z.looseObject({
  environment: z.string(),
  from: z.number().int().nullable().describe('the live version the proposal is compared with'),
  diff: z.looseObject({
    same: z.boolean(),
    nodes: z.looseObject({
      added: z.array(diffNode),
      removed: z.array(diffNode),
      changed: z.array(diffNode.extend({ before: z.unknown(), after: z.unknown() })),
    }),
    edges: z.looseObject({ added: z.array(z.string()), removed: z.array(z.string()) }),
  }),
  suites: z.array(
    z.looseObject({
      suite: z.string(),
      total: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      failing: z.array(z.looseObject({ case: z.string() })),
      invalid: z.boolean().optional(),
    }),
  ),
  impact: z
    .looseObject({
      total: z.number().int(),
      changed: z.number().int(),
      transitions: z.array(
        z.looseObject({ from: z.string().nullable(), to: z.string().nullable(), count: z.number().int() }),
      ),
    })
    .nullable()
    .describe('decisions recorded on the live version that the proposal would change (null: nothing recorded)'),
});
export const ChangeRequestView = z
  .object({
    id: z.string(),
    featureId: z.string(),
    environment: z.string(),
    action: z.enum(['publish', 'promote', 'rollback']),
    status: ChangeRequestStatusSchema,
    author: actor,
    baseVersion: z.number().int().nullable(),
    /** What would go live: the source version (promote, rollback) or the draft (publish); the note. */
    proposal: z.object({
      version: z.number().int().optional(),
      fromEnvironment: z.string().optional(),
      note: z.string(),
      authorLabel: z.string(),
    }),
    review: ChangeRequestReviewSchema,
    approvalsNeeded: z.number().int(),
    approvals: z.number().int(),
    history: z.array(z.object({ at: z.string(), actor, kind: z.string(), text: z.string() })),
    appliedVersion: z.number().int().nullable(),
    /** When it goes live once approved (null: at the last approval), and the scheduled change that will apply it. */
    goLive: z
      .object({ runAt: z.string(), timeZone: z.string(), localTime: z.string(), scheduleId: z.string().nullable() })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ChangeRequest' });
export type ChangeRequest = z.infer<typeof ChangeRequestView>;

/** A release that went live at once (201). */
export const ReleaseLiveView = z
  .object({
    status: z.literal('live'),
    environment: z.string(),
    version: z.number().int(),
    rolledBackFrom: z.number().int().optional(),
    createdAt: z.string().optional(),
  })
  .meta({ id: 'ReleaseLive' });
/** A release waiting for approval in an environment that requires it (202): the change request it opened. */
export const ReleasePendingView = z
  .object({ status: z.literal('pendingApproval'), environment: z.string(), changeRequest: ChangeRequestView })
  .meta({ id: 'ReleasePending' });
/** A release answer: live at once, or waiting for approval. */
export const ReleaseOutcomeView = z.union([ReleaseLiveView, ReleasePendingView]);

/** Routes that take no fields (a body, if sent, is ignored). */
export const NoFieldsBody = z.object({}).nullish().describe('no fields: send {} or no body');

/** POST /admin/v1/change-requests/:id/approve: the request, and what went live when this was the last approval. */
export const ApprovalView = z.object({
  changeRequest: ChangeRequestView,
  outcome: ReleaseOutcomeView.nullable().describe('null while more approvals are needed'),
});

const releaseTags = ['release'];
const admin = 'admin' as const;
const released = { 201: ReleaseLiveView, 202: ReleasePendingView };

export const environmentRoutesContract = {
  list: route({
    operationId: 'listEnvironments',
    summary: 'The release environments, the default one and their approval settings',
    tags: releaseTags,
    access: admin,
    ok: { 200: EnvironmentList },
  }),
  put: route({
    operationId: 'putEnvironmentSettings',
    summary: 'Approval settings of an environment',
    tags: releaseTags,
    access: admin,
    params: EnvironmentParams,
    body: EnvironmentSettingsBody,
    ok: { 200: EnvironmentList },
    errors: [404],
  }),
  live: route({
    operationId: 'listLiveVersions',
    summary: 'The version live in each environment',
    tags: releaseTags,
    access: admin,
    params: FeatureEnvironmentParams.pick({ id: true }),
    ok: { 200: FeatureEnvironmentsView },
    errors: [404],
  }),
  publish: route({
    operationId: 'publishToEnvironment',
    summary: 'Publish the draft to one environment (202 with a change request when it needs approval)',
    tags: releaseTags,
    access: admin,
    params: FeatureEnvironmentParams,
    body: EnvPublishBody,
    ok: released,
    errors: [404, 409],
  }),
  promote: route({
    operationId: 'promoteToEnvironment',
    summary: 'Make the version live in another environment live here (202 when it needs approval)',
    tags: releaseTags,
    access: admin,
    params: FeatureEnvironmentParams,
    body: EnvPromoteBody,
    ok: released,
    errors: [404, 409],
  }),
  rollback: route({
    operationId: 'rollbackInEnvironment',
    summary: 'Put a former version live again in one environment (202 when it needs approval)',
    tags: releaseTags,
    access: admin,
    params: FeatureEnvironmentParams,
    body: EnvRollbackBody,
    ok: released,
    errors: [404, 409],
  }),
};

export const siteKeyRoutesContract = {
  list: route({
    operationId: 'listSiteKeys',
    summary: 'Site keys, revoked ones included',
    tags: releaseTags,
    access: admin,
    ok: { 200: z.array(SiteKeyView) },
  }),
  create: route({
    operationId: 'createSiteKey',
    summary: 'Create a site key for an environment and its allowed browser origins',
    tags: releaseTags,
    access: admin,
    body: SiteKeyCreateBody,
    ok: { 201: SiteKeyView },
    errors: [404],
  }),
  revoke: route({
    operationId: 'revokeSiteKey',
    summary: 'Revoke a site key (every instance refuses it from then on)',
    tags: releaseTags,
    access: admin,
    params: SiteKeyParams,
    ok: { 204: NoContent },
    errors: [404],
  }),
};

export const changeRequestRoutesContract = {
  list: route({
    operationId: 'listChangeRequests',
    summary: 'Change requests, newest first, by status, feature or environment',
    tags: releaseTags,
    access: admin,
    querystring: ChangeRequestListQuery,
    ok: { 200: z.array(ChangeRequestView) },
  }),
  get: route({
    operationId: 'getChangeRequest',
    summary: 'A change request with its history',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    ok: { 200: ChangeRequestView },
    errors: [404],
  }),
  approve: route({
    operationId: 'approveChangeRequest',
    summary: 'Approve (goes live at the last approval, or at its go-live time)',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    body: ChangeRequestApproveBody,
    ok: { 200: ApprovalView },
    errors: [404, 409],
  }),
  reject: route({
    operationId: 'rejectChangeRequest',
    summary: 'Reject with a comment',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    body: ChangeRequestRejectBody,
    ok: { 200: ChangeRequestView },
    errors: [404, 409],
  }),
  withdraw: route({
    operationId: 'withdrawChangeRequest',
    summary: 'Withdraw (the author only)',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    body: ChangeRequestCommentBody,
    ok: { 200: ChangeRequestView },
    errors: [404, 409],
  }),
  refresh: route({
    operationId: 'refreshChangeRequest',
    summary: 'Rebase on the version live now (approvals start over)',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    body: NoFieldsBody,
    ok: { 200: ChangeRequestView },
    errors: [404, 409],
  }),
  comment: route({
    operationId: 'commentOnChangeRequest',
    summary: 'Add a comment to the history',
    tags: releaseTags,
    access: admin,
    params: ChangeRequestParams,
    body: ChangeRequestRejectBody,
    ok: { 200: ChangeRequestView },
    errors: [404, 409],
  }),
};
