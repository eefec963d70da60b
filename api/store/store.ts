/**
 * The storage interface: one async contract, implemented by the embedded SQLite store (default) and the PostgreSQL
 * store (several instances). Rows are plain JSON-able objects; JSON blobs are validated when read back.
 * Errors: ClaimflowError with a catalogue code (CF_FEATURE_NOT_FOUND, CF_FEATURE_EXISTS, CF_ENTITLEMENT_CYCLE, ...);
 * a backend that cannot be reached or stays locked answers CF_STORE_UNAVAILABLE.
 * Every admin write takes an optional AuditDraft: the audit entry is written in the same transaction as the change,
 * so a change and its entry are stored together or not at all. The audit log itself is append-only (triggers refuse
 * UPDATE and DELETE).
 */

export interface Entitlement {
  id: string;
  name: string;
  parentId: string | null;
}

export interface Product {
  id: string;
  name: string;
  claimValues: string[];
  entitlementIds: string[];
}

export interface Feature {
  id: string;
  name: string;
  customerEntitlements: string[];
  draft: unknown;
  draftUpdatedAt: string;
  publishedVersion: number | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface VersionSummary {
  featureId: string;
  version: number;
  author: string;
  note: string;
  createdAt: string;
  rolledBackFrom: number | null;
}

export interface Version extends VersionSummary {
  graph: unknown;
  compiled: unknown;
}

export interface Suite {
  id: string;
  featureId: string;
  name: string;
  cases: unknown[];
  createdAt: string;
  updatedAt: string;
}

export interface DecisionLogEntry {
  featureId: string;
  version: number;
  at: string;
  input: unknown;
  decision: string | null;
  path: string[];
}

export interface MeterRequest {
  tracker: string;
  visitor: string;
  /** First instant of the window (epoch ms, inclusive); 0 for lifetime. */
  windowStart: number;
  now: number;
  allowance: number;
  contentId: string | null;
  counting: 'uniqueContent' | 'pageViews';
  /**
   * When a use recorded by this request stops counting for its meter (epoch ms), so it can be pruned after; null or
   * absent: never (lifetime meters).
   */
  expiresAt?: number | null;
}

export interface MeterResult {
  allowed: boolean;
  used: number;
  /** True when this call recorded a use. */
  counted: boolean;
}

/**
 * Where trial meter uses are counted: the Store itself (SQLite, PostgreSQL) or a dedicated meter store (Redis).
 * Errors: CF_STORE_UNAVAILABLE when the backend cannot be reached.
 */
export interface MeterStore {
  readonly kind: string;
  /**
   * Atomic check-and-count of a trial meter use for (tracker, visitor): uses at or after `windowStart` count (a use
   * stamped a little after `now` by an instance whose clock runs ahead counts too, so meters stay exact under skew).
   * Concurrent calls are group-committed (one transaction and one commit per batch); each answer comes after its
   * batch committed, and a failed batch rejects every call in it.
   */
  consumeMeter(req: MeterRequest): Promise<MeterResult>;
  /** The meter state without recording anything. */
  peekMeter(req: MeterRequest): Promise<{ allowed: boolean; used: number }>;
  /**
   * Forgets the uses whose `expiresAt` is at or before `now` and answers how many were removed. With `leaseMs`, it
   * prunes only when no instance sharing the store pruned within the last `leaseMs` (null: skipped, another did).
   */
  pruneMeters(now: number, leaseMs?: number): Promise<number | null>;
  /** Group-commit batches written so far by this instance and the uses they held (absent: no batching). */
  meterBatchStats?(): { batches: number; requests: number };
  /** True when the backend answers; never throws. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ChangeEvent {
  featureId: string;
  version: number;
  /** The environment whose live version moved; absent: the default environment (`features.published_version`). */
  environment?: string;
  /** What changed; absent: a feature's live version. `siteKeys`: a site key was created or revoked. */
  kind?: 'siteKeys';
}

/** One publish, as recorded in the change sequence. */
export interface Change extends ChangeEvent {
  seq: number;
}

// ---- people: users, sessions, API tokens, audit log ----

export type Role = 'viewer' | 'editor' | 'publisher' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** `issuer|sub` for users created by OpenID Connect sign-in; null for password users. */
  subject: string | null;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  subject: string | null;
}

export interface Session {
  /** SHA-256 (hex) of the session id; the id itself is only ever in the visitor's cookie. */
  idHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  /** Who created it (actor label). */
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who did something: a signed-in user, an API token, the break-glass admin key, or the service itself. */
export interface Actor {
  type: 'user' | 'token' | 'admin-key' | 'system';
  id: string | null;
  name: string;
}

/**
 * The audit entry a write records in its own transaction. `after` may be a function of the write's result (e.g. the
 * version number a publish allocated): give `afterOf`. Secrets in `before`/`after` are redacted by the store before writing.
 */
export interface AuditDraft<R = unknown> {
  actor: Actor;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  /** Computes `after` from the write's result (used when `after` is not given). */
  afterOf?: (result: R) => unknown;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface AuditQuery {
  actor?: string;
  /** Exact target or a prefix ending in `*` (e.g. `feature:article*`). */
  target?: string;
  action?: string;
  /** ISO-8601 instants, inclusive. */
  from?: string;
  to?: string;
  /** Entries with an id below this one (paging, newest first). */
  before?: number;
  /** Default 100. */
  limit?: number;
}

// ---- release flow: environments, site keys, change requests ----

/** The version live in a non-default environment (the default environment's is `Feature.publishedVersion`). */
export interface LiveRow {
  featureId: string;
  environment: string;
  version: number;
}

export interface SiteKey {
  id: string;
  /** The publishable key sites send (not a secret). */
  key: string;
  name: string;
  environment: string;
  /** Browser origins allowed to call the public API with this key (CORS). */
  origins: string[];
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

export type ChangeRequestStatus = 'open' | 'approved' | 'rejected' | 'withdrawn' | 'applied' | 'failed';

export interface ChangeRequestEntry {
  at: string;
  actor: Actor;
  kind: 'open' | 'comment' | 'approve' | 'reject' | 'withdraw' | 'refresh' | 'applied' | 'failed';
  text: string;
}

/** A publish, promotion or rollback waiting for approval in an environment that requires it. */
export interface ChangeRequest {
  id: string;
  featureId: string;
  environment: string;
  action: 'publish' | 'promote' | 'rollback';
  status: ChangeRequestStatus;
  author: Actor;
  /** The version live in the environment when the request was opened or last refreshed (null: none). */
  baseVersion: number | null;
  /** What goes live: a draft graph (publish), a version from another environment (promote), an old version (rollback). */
  proposal: {
    graph?: unknown;
    compiled?: unknown;
    version?: number;
    fromEnvironment?: string;
    note: string;
    authorLabel: string;
  };
  /** Diff against live, suite results and impact on recorded decisions, computed when opened or refreshed. */
  review: unknown;
  approvalsNeeded: number;
  history: ChangeRequestEntry[];
  appliedVersion: number | null;
  /**
   * When it goes live once approved (absent: at the last approval): the instant, the wall-clock time and zone it was
   * given in, and the scheduled change that applies it (set at the last approval when the time is still ahead).
   */
  goLive?: { runAt: string; timeZone: string; localTime: string; scheduleId: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  getSetting(key: string): Promise<unknown | null>;
  putSetting(key: string, value: unknown, audit?: AuditDraft): Promise<void>;

  // ---- people ----
  listUsers(): Promise<User[]>;
  getUser(id: string): Promise<User | null>;
  getUserByEmail(email: string): Promise<User | null>;
  getUserBySubject(subject: string): Promise<User | null>;
  /** The stored scrypt hash of a user's password (null: no password, or no such user). */
  getPasswordHash(userId: string): Promise<string | null>;
  /** Throws CF_USER_EXISTS when the email (case-insensitive) or the subject is taken. */
  createUser(user: NewUser, audit?: AuditDraft<User>): Promise<User>;
  /** A new password hash also ends every session of the user, in the same transaction. Throws CF_USER_NOT_FOUND. */
  updateUser(
    id: string,
    patch: { name?: string; role?: Role; passwordHash?: string },
    audit?: AuditDraft<User>,
  ): Promise<User>;
  /** Also ends the user's sessions. */
  deleteUser(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  createSession(session: Session): Promise<void>;
  /** The session and its user, when the session exists and has not expired at `now`. */
  getSession(idHash: string, now?: Date): Promise<{ session: Session; user: User } | null>;
  deleteSession(idHash: string, audit?: AuditDraft<boolean>): Promise<boolean>;
  /**
   * Moves a live session's expiry later (sliding sessions); never earlier, never revives an ended session. True when
   * it moved.
   */
  extendSession(idHash: string, expiresAt: string, now?: Date): Promise<boolean>;

  createApiToken(
    token: Omit<ApiToken, 'lastUsedAt' | 'revokedAt'> & { hash: string },
    audit?: AuditDraft<ApiToken>,
  ): Promise<ApiToken>;
  listApiTokens(): Promise<ApiToken[]>;
  /** The token with this SHA-256 hash when it is neither revoked nor expired at `now`; stamps its last use. */
  touchApiToken(hash: string, now?: Date): Promise<ApiToken | null>;
  /** False when no such token or already revoked. */
  revokeApiToken(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  /** Appends an entry on its own (sign-ins, refused attempts). */
  appendAudit(entry: AuditDraft): Promise<void>;
  /** Newest first. */
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;

  listEntitlements(): Promise<Entitlement[]>;
  getEntitlement(id: string): Promise<Entitlement | null>;
  /** Upserts; a parent that would make a cycle throws CF_ENTITLEMENT_CYCLE, an unknown parent CF_ENTITLEMENT_NOT_FOUND. */
  putEntitlement(entitlement: Entitlement, audit?: AuditDraft<Entitlement>): Promise<Entitlement>;
  /**
   * Throws CF_ENTITLEMENT_IN_USE (details: `{ children, products, features }`) when it is a parent, a product grants
   * it or a feature names it in `customerEntitlements`; false when absent. Atomic with feature and product writes.
   */
  deleteEntitlement(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  listProducts(): Promise<Product[]>;
  getProduct(id: string): Promise<Product | null>;
  /** Upserts; an entitlement id that does not exist throws CF_ENTITLEMENT_NOT_FOUND. */
  putProduct(product: Product, audit?: AuditDraft<Product>): Promise<Product>;
  /**
   * Throws CF_PRODUCT_IN_USE (details: `{ features: [{ feature, draft, versions }] }`) when a feature's draft or
   * published version names it in a product node; false when absent. A concurrent publish naming it either commits
   * first (and is listed) or waits and is refused by `publishVersion`.
   */
  deleteProduct(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  listFeatures(): Promise<Feature[]>;
  getFeature(id: string): Promise<Feature | null>;
  /** Throws CF_FEATURE_EXISTS when the id is taken, CF_ENTITLEMENT_UNKNOWN for a customer entitlement that does not exist. */
  createFeature(
    f: { id: string; name: string; customerEntitlements: string[]; draft: unknown },
    audit?: AuditDraft<Feature>,
  ): Promise<Feature>;
  /** Throws CF_FEATURE_NOT_FOUND, or CF_ENTITLEMENT_UNKNOWN for a customer entitlement that does not exist. */
  updateFeature(
    id: string,
    patch: { name?: string; customerEntitlements?: string[]; settings?: Record<string, unknown> },
    audit?: AuditDraft<Feature>,
  ): Promise<Feature>;
  saveDraft(id: string, graph: unknown, audit?: AuditDraft<Feature>): Promise<Feature>;
  deleteFeature(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  /**
   * Allocates the next number, stores the immutable version and marks it published, in one transaction. Throws
   * CF_PRODUCT_UNKNOWN (naming the node) when the graph names a product that does not exist at commit time.
   */
  publishVersion(
    featureId: string,
    v: {
      graph: unknown;
      compiled: unknown;
      author: string;
      note: string;
      rolledBackFrom?: number | null;
      /** Goes live in this non-default environment; absent: the default environment (`publishedVersion`). */
      environment?: string;
    },
    audit?: AuditDraft<Version>,
  ): Promise<Version>;
  /**
   * Makes an existing version live in an environment (absent: the default one) without a new number (promotion).
   * Throws CF_VERSION_NOT_FOUND, or CF_PRODUCT_UNKNOWN when its graph names a product that no longer exists.
   */
  setLive(
    featureId: string,
    environment: string | undefined,
    version: number,
    audit?: AuditDraft<LiveRow>,
  ): Promise<LiveRow>;
  /** The versions live in non-default environments (of one feature, or all). */
  listLive(featureId?: string): Promise<LiveRow[]>;

  listSiteKeys(): Promise<SiteKey[]>;
  createSiteKey(key: SiteKey, audit?: AuditDraft<SiteKey>): Promise<SiteKey>;
  /** False when no such key or already revoked. Every instance hears it as a `siteKeys` change. */
  revokeSiteKey(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  createChangeRequest(cr: ChangeRequest, audit?: AuditDraft<ChangeRequest>): Promise<ChangeRequest>;
  getChangeRequest(id: string): Promise<ChangeRequest | null>;
  /** Newest first. */
  listChangeRequests(query?: { featureId?: string; environment?: string; status?: string }): Promise<ChangeRequest[]>;
  /**
   * Reads the request under a lock, applies `change` (which may throw to refuse) and writes the result, in one
   * transaction with its audit entry. Throws CF_CHANGE_REQUEST_NOT_FOUND.
   */
  updateChangeRequest(
    id: string,
    change: (cr: ChangeRequest) => ChangeRequest,
    audit?: AuditDraft<ChangeRequest>,
  ): Promise<ChangeRequest>;

  listVersions(featureId: string): Promise<VersionSummary[]>;
  getVersion(featureId: string, version: number): Promise<Version | null>;
  getPublished(featureId: string): Promise<Version | null>;
  listPublished(): Promise<Version[]>;
  /** A number that grows with every publish (any feature): cheap change detection across instances. */
  getChangeSeq(): Promise<number>;
  /** The publishes recorded after change number `seq` (oldest first, at most `limit`, default 1000). */
  changesSince(seq: number, limit?: number): Promise<Change[]>;
  /** Publishes by any instance sharing the store (in-process only for SQLite). */
  onChange(listener: (event: ChangeEvent) => void): () => void;

  listSuites(featureId: string): Promise<Suite[]>;
  getSuite(id: string): Promise<Suite | null>;
  putSuite(
    s: { id: string; featureId: string; name: string; cases: unknown[] },
    audit?: AuditDraft<Suite>,
  ): Promise<Suite>;
  deleteSuite(id: string, audit?: AuditDraft<boolean>): Promise<boolean>;

  appendDecisionLog(entry: DecisionLogEntry): Promise<void>;
  /** Newest first; `since` (ISO-8601) keeps entries at or after that instant; `limit` defaults to 1000. */
  listDecisionLog(featureId: string, options?: { limit?: number; since?: string }): Promise<DecisionLogEntry[]>;
  /** Keeps only the newest `maxRows` entries of the feature. */
  trimDecisionLog(featureId: string, maxRows: number): Promise<void>;

  consumeMeter: MeterStore['consumeMeter'];
  peekMeter: MeterStore['peekMeter'];
  pruneMeters: MeterStore['pruneMeters'];
  meterBatchStats?: MeterStore['meterBatchStats'];

  /** True when the backend answers a trivial query (for /readyz); never throws. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
