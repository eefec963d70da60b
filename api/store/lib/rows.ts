/** Row <-> object mapping shared by the SQL stores; JSON columns are parsed back with zod. */
import { z } from 'zod';
import { ClaimflowError } from '../../../engine/errors/catalogue';
import type {
  ApiToken,
  AuditDraft,
  AuditEntry,
  Change,
  ChangeEvent,
  ChangeRequest,
  DecisionLogEntry,
  Entitlement,
  Feature,
  LiveRow,
  Product,
  Session,
  SiteKey,
  Suite,
  User,
  Version,
  VersionSummary,
} from '../store';
import { redactSecrets } from './redact';

const strings = z.array(z.string());
const record = z.record(z.string(), z.unknown());

/** Parses a JSON column (text in SQLite, already parsed in PostgreSQL) and checks its shape. */
export function json<T>(value: unknown, schema: z.ZodType<T>, what: string): T {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ClaimflowError('CF_INTERNAL', `stored ${what} is not valid JSON`);
    }
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw new ClaimflowError('CF_INTERNAL', `stored ${what} has an unexpected shape`);
  return checked.data;
}

export const anyJson = z.unknown();

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

type Row = Record<string, unknown>;

export const toEntitlement = (r: Row): Entitlement => ({
  id: String(r.id),
  name: String(r.name),
  parentId: r.parent_id == null ? null : String(r.parent_id),
});

export const toProduct = (r: Row): Product => ({
  id: String(r.id),
  name: String(r.name),
  claimValues: json(r.claim_values, strings, 'claim values'),
  entitlementIds: json(r.entitlement_ids, strings, 'entitlement ids'),
});

export const toFeature = (r: Row): Feature => ({
  id: String(r.id),
  name: String(r.name),
  customerEntitlements: json(r.customer_entitlements, strings, 'customer entitlements'),
  draft: json(r.draft, anyJson, 'draft'),
  draftUpdatedAt: iso(r.draft_updated_at),
  publishedVersion: r.published_version == null ? null : Number(r.published_version),
  settings: json(r.settings, record, 'feature settings'),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export const toVersionSummary = (r: Row): VersionSummary => ({
  featureId: String(r.feature_id),
  version: Number(r.version),
  author: String(r.author),
  note: String(r.note),
  createdAt: iso(r.created_at),
  rolledBackFrom: r.rolled_back_from == null ? null : Number(r.rolled_back_from),
});

export const toVersion = (r: Row): Version => ({
  ...toVersionSummary(r),
  graph: json(r.graph, anyJson, 'version graph'),
  compiled: json(r.compiled, anyJson, 'compiled version'),
});

export const toSuite = (r: Row): Suite => ({
  id: String(r.id),
  featureId: String(r.feature_id),
  name: String(r.name),
  cases: json(r.cases, z.array(z.unknown()), 'suite cases'),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export const toLogEntry = (r: Row): DecisionLogEntry => ({
  featureId: String(r.feature_id),
  version: Number(r.version),
  at: iso(r.at),
  input: json(r.input, anyJson, 'logged input'),
  decision: r.decision == null ? null : String(r.decision),
  path: json(r.path, strings, 'logged path'),
});

export const toChange = (r: Row): Change => ({
  seq: Number(r.seq),
  featureId: String(r.feature_id),
  version: Number(r.version),
  ...(r.environment == null ? {} : { environment: String(r.environment) }),
  ...(r.kind === 'siteKeys' ? { kind: 'siteKeys' as const } : {}),
});

const ChangeNotificationSchema = z.object({
  featureId: z.string(),
  version: z.number().int().nonnegative(),
  seq: z.number().int().positive(),
  environment: z.string().optional(),
  kind: z.literal('siteKeys').optional(),
});

export const toLiveRow = (r: Row): LiveRow => ({
  featureId: String(r.feature_id),
  environment: String(r.environment),
  version: Number(r.version),
});

export const toSiteKey = (r: Row): SiteKey => ({
  id: String(r.id),
  key: String(r.key),
  name: String(r.name),
  environment: String(r.environment),
  origins: json(r.origins, strings, 'site key origins'),
  createdBy: String(r.created_by),
  createdAt: iso(r.created_at),
  revokedAt: r.revoked_at == null ? null : iso(r.revoked_at),
});

/** The stored change request: indexed columns plus the rest as one JSON document. */
export const toChangeRequest = (r: Row): ChangeRequest => ({
  ...(json(r.data, record, 'change request') as unknown as ChangeRequest),
  id: String(r.id),
  featureId: String(r.feature_id),
  environment: String(r.environment),
  status: String(r.status) as ChangeRequest['status'],
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** Parses a change notification payload (`{featureId, version, seq}`); null when it is not one of ours. */
export function parseChangeNotification(payload: string | undefined): { seq: number; event: ChangeEvent } | null {
  if (!payload) return null;
  try {
    const checked = ChangeNotificationSchema.safeParse(JSON.parse(payload));
    if (!checked.success) return null;
    const { seq, ...event } = checked.data;
    return { seq, event: changeEvent(event) };
  } catch {
    return null;
  }
}

/** An ISO-8601 instant in the one canonical form (so text comparison orders instants); the input when unparseable. */
export function canonicalInstant(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** A copy of the event with only its own fields (environment and kind only when present). */
export function changeEvent(e: ChangeEvent): ChangeEvent {
  return {
    featureId: e.featureId,
    version: e.version,
    ...(e.environment === undefined ? {} : { environment: e.environment }),
    ...(e.kind === undefined ? {} : { kind: e.kind }),
  };
}

/** Calls every listener, isolating the others from one that throws. */
export function emit(listeners: Iterable<(e: ChangeEvent) => void>, event: ChangeEvent): void {
  for (const l of listeners) {
    try {
      l(changeEvent(event));
    } catch {
      // a listener's failure is its own business
    }
  }
}

// ---- people ----

const roleSchema = z.enum(['viewer', 'editor', 'publisher', 'admin']);

export const toUser = (r: Row): User => ({
  id: String(r.id),
  email: String(r.email),
  name: String(r.name),
  role: roleSchema.parse(r.role),
  subject: r.subject == null ? null : String(r.subject),
  hasPassword: r.password_hash != null,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

export const toSession = (r: Row): Session => ({
  idHash: String(r.id_hash),
  userId: String(r.user_id),
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
});

export const toApiToken = (r: Row): ApiToken => ({
  id: String(r.id),
  name: String(r.name),
  role: roleSchema.parse(r.role),
  createdBy: String(r.created_by),
  createdAt: iso(r.created_at),
  expiresAt: r.expires_at == null ? null : iso(r.expires_at),
  lastUsedAt: r.last_used_at == null ? null : iso(r.last_used_at),
  revokedAt: r.revoked_at == null ? null : iso(r.revoked_at),
});

export const toAuditEntry = (r: Row): AuditEntry => ({
  id: Number(r.id),
  at: iso(r.at),
  actor: {
    type: z.enum(['user', 'token', 'admin-key', 'system']).parse(r.actor_type),
    id: r.actor_id == null ? null : String(r.actor_id),
    name: String(r.actor_name),
  },
  action: String(r.action),
  target: String(r.target),
  before: r.before == null ? null : json(r.before, anyJson, 'audit before'),
  after: r.after == null ? null : json(r.after, anyJson, 'audit after'),
});

/** The column values of an audit entry (secrets redacted; `after` resolved against the write's result). */
export function auditValues<R>(
  draft: AuditDraft<R>,
  result: R,
): {
  actorType: string;
  actorId: string | null;
  actorName: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
} {
  const after = draft.after === undefined && draft.afterOf ? draft.afterOf(result) : draft.after;
  const enc = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(redactSecrets(v)));
  return {
    actorType: draft.actor.type,
    actorId: draft.actor.id,
    actorName: draft.actor.name,
    action: draft.action,
    target: draft.target,
    before: enc(draft.before),
    after: enc(after),
  };
}
