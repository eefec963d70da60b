/**
 * The Claimflow local-evaluation client: downloads the service's snapshot (published compiled features, catalogue,
 * public JWT settings), keeps it fresh (ETag polling and the service's change stream), verifies visitor tokens
 * locally with the service's own verifier (jose; verified tokens are cached until they expire) and decides
 * in-process with the engine, exactly as `POST /v1/decisions` would.
 *
 * Features with **trial meters** need the meter's count, which lives in the service: for them `decide` asks the
 * service (`POST /v1/decisions`, counted as a page view) and answers with `source: 'service'`.
 * Split tests are decided locally and stay sticky when you pass the anonymous visitor's id (`visitorId`).
 * The snapshot never carries an HMAC secret: a site whose tokens are HS256/384/512 passes its own copy as `secret`.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createTokenVerifier, JwtSettingsSchema, type TokenVerifier } from '../../api/auth';
import { readOfrepContext } from '../../api/contract/ofrep';
import type { Snapshot, SnapshotFeature } from '../../api/contract/snapshot';
import {
  assignState,
  type CatalogueIndex,
  ClaimflowError,
  decisionFacts,
  type Evaluator,
  indexCatalogue,
  prepareEvaluator,
  type RequestContext,
  RequestContextSchema,
  requestFacts,
  type TokenStatus,
  type UserState,
  type Visitor,
  visitorFromClaims,
  visitorKey,
  visitorStateKinds,
} from '../../engine';
import { SnapshotSync } from './lib/snapshot-sync';

export interface ClaimflowClientOptions {
  /** The service's base URL, e.g. `https://decisions.example.com`. */
  url: string;
  /** The HMAC secret, for sites whose tokens are HS* (the service never publishes it). */
  secret?: string;
  /** ETag polling interval; 0 turns polling off. Default 30 000. */
  pollIntervalMs?: number;
  /** Listen to the service's change stream (a publish reaches the client in well under a second). Default true. */
  stream?: boolean;
  /** Verified tokens remembered (LRU, each until it expires). Default 10 000. */
  tokenCacheSize?: number;
  /** Extra headers for every request to the service (e.g. a site key). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Refresh or stream failures (the client keeps deciding from the snapshot it holds). Default: ignored. */
  onError?: (error: Error) => void;
}

export interface DecideInput {
  /** The visitor's JWT, as the site received it (cookie, header): verified locally, never trusted unverified. */
  token?: string | null;
  /** The request context (device, country, contentId, url, custom, ...), as for `POST /v1/decisions`. */
  context?: RequestContext;
  /** The anonymous visitor's id (8-64 letters, digits or -): keeps split-test buckets and meters sticky. */
  visitorId?: string | null;
  /** Throw CF_REQUEST_INVALID (field `visitorId`) instead of using a random id for an anonymous visitor of a feature with per-visitor state. */
  requireVisitorId?: boolean;
  userAgent?: string;
}

export interface LocalDecision {
  feature: string;
  decision: string | null;
  payload: unknown;
  userState: UserState;
  products: string[];
  entitlements: string[];
  path: string[];
  version: number;
  token: { status: TokenStatus; reason: string | null };
  /** `local`: decided in-process; `service`: a feature with trial meters, decided by the service. */
  source: 'local' | 'service';
}

interface LocalFeature {
  snapshot: SnapshotFeature;
  evaluator: Evaluator;
  /** Keeps sticky assignments (split tests): computed locally from the visitor key. */
  hasAssigned: boolean;
  /** Keeps meters: decided by the service, which counts them. */
  hasMeters: boolean;
  kinds: ReadonlyMap<string, string>;
}

interface VerifiedVisitor {
  visitor: Visitor;
  status: TokenStatus;
  reason: string | null;
  /** The answer's `token` (shared by every decision with this token). */
  token: LocalDecision['token'];
  /** Epoch ms after which the entry must be verified again. */
  until: number;
}

const ANONYMOUS: Visitor = Object.freeze({
  verified: false,
  userId: null,
  userIdProblem: null,
  products: [],
  entitlements: [],
  claims: {},
}) as Visitor;
const NO_TOKEN: VerifiedVisitor = {
  visitor: ANONYMOUS,
  status: 'missing',
  reason: null,
  token: Object.freeze({ status: 'missing', reason: null }) as LocalDecision['token'],
  until: Infinity,
};
const VALID = Object.freeze({ status: 'valid', reason: null }) as LocalDecision['token'];
const EMPTY_CONTEXT: RequestContext = Object.freeze({});
const EMPTY_REQUEST = Object.freeze(requestFacts({}));
const VISITOR_ID = /^[A-Za-z0-9-]{8,64}$/;

export class ClaimflowClient {
  readonly #o: Required<Omit<ClaimflowClientOptions, 'secret' | 'onError'>> & Pick<ClaimflowClientOptions, 'secret'>;
  readonly #sync: SnapshotSync;
  readonly #features = new Map<string, LocalFeature>();
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();
  #snapshot: Snapshot | null = null;
  #identity = '';
  #catalogue: CatalogueIndex = indexCatalogue([], []);
  #settings = JwtSettingsSchema.parse({});
  #verifier: TokenVerifier | null = null;
  #tokens: LRUCache<string, VerifiedVisitor>;
  #ready: Promise<void> | null = null;
  #onError: (error: Error) => void;

  constructor(options: ClaimflowClientOptions) {
    if (!options || typeof options.url !== 'string') throw new TypeError('createClaimflowClient: url is required');
    this.#o = {
      url: options.url.replace(/\/+$/, ''),
      secret: options.secret,
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
      stream: options.stream ?? true,
      tokenCacheSize: options.tokenCacheSize ?? 10_000,
      headers: options.headers ?? {},
      fetch: options.fetch ?? globalThis.fetch,
    };
    this.#onError = options.onError ?? (() => {});
    this.#tokens = new LRUCache({ max: Math.max(1, this.#o.tokenCacheSize) });
    this.#sync = new SnapshotSync({
      url: this.#o.url,
      fetch: this.#o.fetch,
      headers: this.#o.headers,
      pollIntervalMs: this.#o.pollIntervalMs,
      stream: this.#o.stream,
      apply: (s) => this.#apply(s),
      onError: (e) => this.#onError(e),
    });
  }

  /** Resolves once the first snapshot is held; rejects when it cannot be fetched or tokens cannot be verified. */
  ready(): Promise<void> {
    this.#ready ??= this.#sync.start();
    return this.#ready;
  }

  /** The published version the client decides `feature` with, or null. */
  version(feature: string): number | null {
    return this.#features.get(feature)?.snapshot.version ?? null;
  }

  /** The snapshot held (null before `ready`). */
  get snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** Called after every new snapshot is applied; returns the unsubscribe function. */
  onChange(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Fetches the snapshot now (If-None-Match: nothing is transferred when unchanged). */
  refresh(): Promise<void> {
    return this.#sync.refresh();
  }

  close(): void {
    this.#sync.close();
    this.#verifier?.close();
  }

  /** Node id -> kind of the version `feature` is decided with (for OpenFeature reasons). */
  nodeKinds(feature: string): ReadonlyMap<string, string> | null {
    return this.#features.get(feature)?.kinds ?? null;
  }

  /**
   * Decides `feature` for a visitor, in-process (or by the service for features with trial meters).
   * @throws ClaimflowError CF_FEATURE_NOT_FOUND (no published feature), CF_REQUEST_INVALID (bad context or visitorId),
   *   CF_TOKEN_* (invalid token while the service is set to `invalidTokenMode: "reject"`)
   * @example const d = await client.decide('article', { token, context: { contentId: 'a-1' } }); d.decision // 'paywall'
   */
  decide(feature: string, input: DecideInput = {}): Promise<LocalDecision> {
    const now = Date.now();
    const token = input.token ?? null;
    let v: VerifiedVisitor | undefined;
    try {
      v = token === null ? NO_TOKEN : this.#cached(token, now);
      // the hot path: a known (or no) token is decided synchronously, without an async frame
      if (v !== undefined) {
        const out = this.#decideVerified(feature, input, v, now);
        return out instanceof Promise ? out : Promise.resolve(out);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#verify(token as string).then((verified) => this.#decideVerified(feature, input, verified, Date.now()));
  }

  #decideVerified(
    feature: string,
    input: DecideInput,
    v: VerifiedVisitor,
    now: number,
  ): LocalDecision | Promise<LocalDecision> {
    const f = this.#features.get(feature);
    if (!f) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no published feature "${feature}"`, { field: 'feature' });
    const visitorId = input.visitorId ?? null;
    if (visitorId !== null && !VISITOR_ID.test(visitorId))
      throw new ClaimflowError('CF_REQUEST_INVALID', 'visitorId: 8 to 64 letters, digits or -', { field: 'visitorId' });
    if (v.status !== 'valid' && v.status !== 'missing' && this.#settings.invalidTokenMode === 'reject')
      throw new ClaimflowError('CF_TOKEN_MALFORMED', v.reason ?? 'invalid token', { field: 'token' });
    if (v.visitor.userId === null && visitorId === null && input.requireVisitorId && (f.hasAssigned || f.hasMeters))
      throw new ClaimflowError(
        'CF_REQUEST_INVALID',
        `visitorId: feature "${feature}" keeps per-visitor state; give an anonymous visitor an id`,
        { field: 'visitorId' },
      );
    const context = input.context ?? EMPTY_CONTEXT;
    if (f.hasMeters) return this.#askService(feature, input.token ?? null, context, visitorId, input.userAgent);
    const facts = decisionFacts({
      visitor: v.visitor,
      customerEntitlements: f.snapshot.customerEntitlements,
      request:
        context === EMPTY_CONTEXT && input.userAgent === undefined
          ? EMPTY_REQUEST
          : requestFacts(context, input.userAgent),
      tokenStatus: v.status,
      now,
      state: f.hasAssigned
        ? assignState(f.snapshot.compiled, visitorKey(v.visitor, `anon:${visitorId ?? randomUUID()}`))
        : undefined,
    });
    const d = f.evaluator.evaluate(facts);
    return {
      feature,
      decision: d.decision,
      payload: d.payload ?? null,
      userState: facts.userState,
      products: facts.products,
      entitlements: facts.entitlements,
      path: d.path,
      version: f.snapshot.version,
      token: v.token,
      source: 'local',
    };
  }

  /**
   * Decides with an OpenFeature-style context: `token`, `targetingKey` (anonymous visitor id) and request attributes
   * (unknown names become `custom.<name>`), the same reading as the service's OFREP endpoints.
   */
  decideWithContext(feature: string, context: Record<string, unknown>): Promise<LocalDecision> {
    const read = readOfrepContext(context);
    if (!read.ok) throw new ClaimflowError('CF_REQUEST_INVALID', read.errorDetails, { field: 'context' });
    return this.decide(feature, {
      token: read.token,
      visitorId: read.targetingKey,
      context: read.context,
      requireVisitorId: true,
    });
  }

  #cached(token: string, now: number): VerifiedVisitor | undefined {
    const hit = this.#tokens.get(token);
    if (hit === undefined) return undefined;
    if (hit.until <= now) {
      this.#tokens.delete(token);
      return undefined;
    }
    return hit;
  }

  async #verify(token: string): Promise<VerifiedVisitor> {
    const verifier = this.#verifier;
    if (!verifier) throw new ClaimflowError('CF_TOKEN_NOT_CONFIGURED', 'no snapshot yet: await client.ready()');
    const result = await verifier.verify(token);
    let entry: VerifiedVisitor;
    if (result.status === 'valid') {
      const exp = typeof result.claims.exp === 'number' ? result.claims.exp : null;
      const until = exp === null ? Date.now() + 60_000 : (exp + this.#settings.clockToleranceSec) * 1000;
      entry = {
        visitor: visitorFromClaims(result.claims, this.#settings, this.#catalogue),
        status: 'valid',
        reason: null,
        token: VALID,
        until,
      };
    } else {
      // an expired token stays expired; any other failure may heal (nbf, a rotated JWKS key): check again soon
      const until = result.status === 'expired' ? Infinity : Date.now() + 5_000;
      const reason = `${result.code}: ${result.reason}`;
      entry = { visitor: ANONYMOUS, status: result.status, reason, token: { status: result.status, reason }, until };
    }
    if (verifier === this.#verifier) this.#tokens.set(token, entry);
    return entry;
  }

  async #askService(
    feature: string,
    token: string | null,
    context: RequestContext,
    visitorId: string | null,
    userAgent: string | undefined,
  ): Promise<LocalDecision> {
    const headers: Record<string, string> = { ...this.#o.headers, 'content-type': 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (visitorId !== null) headers.cookie = `cf_vid=${visitorId}`;
    if (userAgent !== undefined) headers['user-agent'] = userAgent;
    const res = await this.#o.fetch(`${this.#o.url}/v1/decisions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ feature, context: RequestContextSchema.parse(context) }),
    });
    const body = (await res.json()) as Omit<LocalDecision, 'source'> & { error?: { code: string; message: string } };
    if (res.status !== 200) {
      const code = (body.error?.code ?? 'CF_INTERNAL') as 'CF_INTERNAL';
      throw new ClaimflowError(code, body.error?.message ?? `the service answered ${res.status}`);
    }
    return { ...body, source: 'service' };
  }

  #apply(snapshot: Snapshot): void {
    const identity = JSON.stringify([snapshot.jwt, snapshot.catalogue]);
    if (identity !== this.#identity) {
      const { key, ...rest } = snapshot.jwt;
      let settingsKey: unknown = key;
      if (key.kind === 'secret') {
        if (!this.#o.secret)
          throw new ClaimflowError(
            'CF_TOKEN_NOT_CONFIGURED',
            'the service verifies HMAC (HS*) tokens and never publishes the secret: pass your copy as `secret`',
            { field: 'secret' },
          );
        settingsKey = { kind: 'secret', secret: this.#o.secret };
      }
      const parsed = JwtSettingsSchema.safeParse({ ...rest, key: settingsKey });
      if (!parsed.success)
        throw new ClaimflowError('CF_SETTINGS_INVALID', `snapshot JWT settings: ${parsed.error.issues[0]?.message}`, {
          field: 'secret',
        });
      const old = this.#verifier;
      this.#settings = parsed.data;
      this.#verifier = createTokenVerifier(parsed.data, { cacheSize: 0 });
      this.#catalogue = indexCatalogue(snapshot.catalogue.products, snapshot.catalogue.entitlements);
      this.#tokens.clear();
      this.#identity = identity;
      old?.close();
    }
    const seen = new Set<string>();
    for (const sf of snapshot.features) {
      seen.add(sf.id);
      const current = this.#features.get(sf.id);
      if (current && current.snapshot.version === sf.version) {
        current.snapshot = sf;
        continue;
      }
      const state = visitorStateKinds(sf.compiled);
      this.#features.set(sf.id, {
        snapshot: sf,
        evaluator: prepareEvaluator(sf.compiled),
        hasAssigned: state.assigned,
        hasMeters: state.metered,
        kinds: new Map(sf.compiled.nodes.map((n) => [n.id, n.type])),
      });
    }
    for (const id of [...this.#features.keys()]) if (!seen.has(id)) this.#features.delete(id);
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener(snapshot);
  }
}

/**
 * @example
 * const client = createClaimflowClient({ url: 'http://127.0.0.1:3000', secret: process.env.JWT_SECRET });
 * await client.ready();
 * const { decision } = await client.decide('article', { token, context: { contentId: 'a-1' } });
 */
export function createClaimflowClient(options: ClaimflowClientOptions): ClaimflowClient {
  return new ClaimflowClient(options);
}
