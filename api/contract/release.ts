/**
 * HTTP shapes of the release flow (pure zod, no Node built-ins): environments and their approval settings, publishing,
 * promotion and rollback per environment, site keys, change requests.
 */
import { z } from 'zod';

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
export const EnvironmentList = z.object({ default: z.string(), environments: z.array(EnvironmentView) });

const note = z.string().max(2000);
const author = z.string().min(1).max(200);

/** POST /admin/v1/features/:id/environments/:env/publish — the draft goes live in :env. */
export const EnvPublishBody = z.object({ note: note.default(''), author: author.default('admin') }).strict();
/** POST /admin/v1/features/:id/environments/:env/promote — the version live in `from` goes live in :env. */
export const EnvPromoteBody = z
  .object({ from: z.string().min(1).max(64), note: note.default(''), author: author.default('admin') })
  .strict();
/** POST /admin/v1/features/:id/environments/:env/rollback — a former version goes live again in :env. */
export const EnvRollbackBody = z
  .object({ version: z.number().int().min(1), note: note.optional(), author: author.default('admin') })
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

export const SiteKeyView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  environment: z.string(),
  origins: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
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

const actor = z.object({ type: z.string(), id: z.string().nullable(), name: z.string() });
export const ChangeRequestView = z.object({
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
  review: z.unknown(),
  approvalsNeeded: z.number().int(),
  approvals: z.number().int(),
  history: z.array(z.object({ at: z.string(), actor, kind: z.string(), text: z.string() })),
  appliedVersion: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A release answer: live at once, or waiting for approval. */
export const ReleaseOutcomeView = z.union([
  z.object({
    status: z.literal('live'),
    environment: z.string(),
    version: z.number().int(),
    rolledBackFrom: z.number().int().optional(),
    createdAt: z.string().optional(),
  }),
  z.object({ status: z.literal('pendingApproval'), environment: z.string(), changeRequest: ChangeRequestView }),
]);
