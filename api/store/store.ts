/**
 * The storage interface: one async contract, implemented by the embedded SQLite store (default) and the PostgreSQL
 * store (several instances). Rows are plain JSON-able objects; JSON blobs are validated when read back.
 * Errors: ClaimflowError with a catalogue code (CF_FEATURE_NOT_FOUND, CF_FEATURE_EXISTS, CF_ENTITLEMENT_CYCLE, ...);
 * a backend that cannot be reached or stays locked answers CF_STORE_UNAVAILABLE.
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
}

/** One publish, as recorded in the change sequence. */
export interface Change extends ChangeEvent {
  seq: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  getSetting(key: string): Promise<unknown | null>;
  putSetting(key: string, value: unknown): Promise<void>;

  listEntitlements(): Promise<Entitlement[]>;
  getEntitlement(id: string): Promise<Entitlement | null>;
  /** Upserts; a parent that would make a cycle throws CF_ENTITLEMENT_CYCLE, an unknown parent CF_ENTITLEMENT_NOT_FOUND. */
  putEntitlement(entitlement: Entitlement): Promise<Entitlement>;
  /**
   * Throws CF_ENTITLEMENT_IN_USE (details: `{ children, products, features }`) when it is a parent, a product grants
   * it or a feature names it in `customerEntitlements`; false when absent. Atomic with feature and product writes.
   */
  deleteEntitlement(id: string): Promise<boolean>;

  listProducts(): Promise<Product[]>;
  getProduct(id: string): Promise<Product | null>;
  /** Upserts; an entitlement id that does not exist throws CF_ENTITLEMENT_NOT_FOUND. */
  putProduct(product: Product): Promise<Product>;
  /**
   * Throws CF_PRODUCT_IN_USE (details: `{ features: [{ feature, draft, versions }] }`) when a feature's draft or
   * published version names it in a product node; false when absent. A concurrent publish naming it either commits
   * first (and is listed) or waits and is refused by `publishVersion`.
   */
  deleteProduct(id: string): Promise<boolean>;

  listFeatures(): Promise<Feature[]>;
  getFeature(id: string): Promise<Feature | null>;
  /** Throws CF_FEATURE_EXISTS when the id is taken, CF_ENTITLEMENT_UNKNOWN for a customer entitlement that does not exist. */
  createFeature(f: { id: string; name: string; customerEntitlements: string[]; draft: unknown }): Promise<Feature>;
  /** Throws CF_FEATURE_NOT_FOUND, or CF_ENTITLEMENT_UNKNOWN for a customer entitlement that does not exist. */
  updateFeature(
    id: string,
    patch: { name?: string; customerEntitlements?: string[]; settings?: Record<string, unknown> },
  ): Promise<Feature>;
  saveDraft(id: string, graph: unknown): Promise<Feature>;
  deleteFeature(id: string): Promise<boolean>;

  /**
   * Allocates the next number, stores the immutable version and marks it published, in one transaction. Throws
   * CF_PRODUCT_UNKNOWN (naming the node) when the graph names a product that does not exist at commit time.
   */
  publishVersion(
    featureId: string,
    v: { graph: unknown; compiled: unknown; author: string; note: string; rolledBackFrom?: number | null },
  ): Promise<Version>;
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
  putSuite(s: { id: string; featureId: string; name: string; cases: unknown[] }): Promise<Suite>;
  deleteSuite(id: string): Promise<boolean>;

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
