/**
 * The embedded store: better-sqlite3 on `<dataDir>/claimflow.db`, WAL with synchronous=FULL so every acknowledged
 * write survives a crash (kill -9 or power loss). Every write that reads before it writes (publish, meter use,
 * entitlement tree, product, feature update) runs in one BEGIN IMMEDIATE transaction: the write lock is taken before
 * the first read, so other connections (other store instances, other processes on the same file) are serialized by
 * SQLite itself and a crash leaves the old or the new state, never half of one. Trial meter uses are group-committed:
 * the uses gathered within a millisecond (or a few dozen) are counted in one BEGIN IMMEDIATE transaction, in request
 * order, with one fsync; callers are answered after the commit. Migrations run at open.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ClaimflowError } from '../../engine/errors/catalogue';
import { guardStore, isUnavailable, unavailable } from './lib/guard';
import {
  auditValues,
  canonicalInstant,
  emit,
  toApiToken,
  toAuditEntry,
  toChange,
  toChangeRequest,
  toEntitlement,
  toFeature,
  toLiveRow,
  toLogEntry,
  toProduct,
  toSession,
  toSiteKey,
  toSuite,
  toUser,
  toVersion,
  toVersionSummary,
} from './lib/rows';
import { groupCommit } from './meters/group-commit';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';
import {
  checkCustomerEntitlements,
  checkEntitlementParent,
  checkGraphProducts,
  checkProductEntitlements,
  entitlementInUse,
  type MeterState,
  meterPeek,
  meterVerdict,
  normalizeEmail,
  productInUse,
  productUsers,
  repeatContent,
} from './rules';
import type { AuditDraft, ChangeEvent, ChangeRequest, MeterRequest, MeterResult, Store } from './store';

type Row = Record<string, unknown>;
type Emitter = (e: ChangeEvent) => void;

/** In-process fan-out: every store instance open on one database file hears the publishes of the others. */
const emittersByFile = new Map<string, Set<Emitter>>();

export interface SqliteStoreOptions {
  dataDir: string;
  /** Defaults to `claimflow.db`. */
  fileName?: string;
  /** How long a write waits for another connection's lock before CF_STORE_UNAVAILABLE (ms, default 10 000). */
  busyTimeoutMs?: number;
  /** Group commit of meter uses: most uses per batch (default 64) and longest wait for companions (ms, default 1). */
  meterBatch?: { maxBatch?: number; maxWaitMs?: number };
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  let db: Database.Database;
  let file: string;
  try {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(realpathSync(options.dataDir), options.fileName ?? 'claimflow.db');
    db = new Database(file);
  } catch (error) {
    throw unavailable(error, 'sqlite');
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw isUnavailable(error) ? unavailable(error, 'sqlite') : error;
  }

  const listeners = new Set<(e: ChangeEvent) => void>();
  const emitter: Emitter = (e) => emit(listeners, e);
  let emitters = emittersByFile.get(file);
  if (!emitters) emittersByFile.set(file, (emitters = new Set()));
  emitters.add(emitter);

  const now = () => new Date().toISOString();
  const q = {
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    putSetting: db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
    listEnt: db.prepare('SELECT * FROM entitlements ORDER BY id'),
    getEnt: db.prepare('SELECT * FROM entitlements WHERE id = ?'),
    putEnt: db.prepare(
      'INSERT INTO entitlements (id, name, parent_id) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id',
    ),
    entChildren: db.prepare('SELECT id FROM entitlements WHERE parent_id = ? ORDER BY id'),
    delEnt: db.prepare('DELETE FROM entitlements WHERE id = ?'),
    listProd: db.prepare('SELECT * FROM products ORDER BY id'),
    getProd: db.prepare('SELECT * FROM products WHERE id = ?'),
    putProd: db.prepare(
      'INSERT INTO products (id, name, claim_values, entitlement_ids) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, claim_values = excluded.claim_values, entitlement_ids = excluded.entitlement_ids',
    ),
    delProd: db.prepare('DELETE FROM products WHERE id = ?'),
    listFeat: db.prepare('SELECT * FROM features ORDER BY id'),
    getFeat: db.prepare('SELECT * FROM features WHERE id = ?'),
    insFeat: db.prepare(
      `INSERT INTO features (id, name, customer_entitlements, draft, draft_updated_at, settings, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, '{}', ?, ?) ON CONFLICT(id) DO NOTHING`,
    ),
    updFeat: db.prepare(
      'UPDATE features SET name = ?, customer_entitlements = ?, settings = ?, updated_at = ? WHERE id = ?',
    ),
    saveDraft: db.prepare('UPDATE features SET draft = ?, draft_updated_at = ?, updated_at = ? WHERE id = ?'),
    delFeat: db.prepare('DELETE FROM features WHERE id = ?'),
    featureGraphs: db.prepare(
      'SELECT f.id, f.draft, f.published_version, v.graph FROM features f LEFT JOIN versions v ON v.feature_id = f.id AND v.version = f.published_version ORDER BY f.id',
    ),
    maxVersion: db.prepare('SELECT coalesce(max(version), 0) AS v FROM versions WHERE feature_id = ?'),
    insVersion: db.prepare(
      'INSERT INTO versions (feature_id, version, graph, compiled, author, note, created_at, rolled_back_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setPublished: db.prepare('UPDATE features SET published_version = ?, updated_at = ? WHERE id = ?'),
    insChange: db.prepare('INSERT INTO changes (feature_id, version, environment, kind) VALUES (?, ?, ?, ?)'),
    setEnvVersion: db.prepare(
      `INSERT INTO environment_versions (feature_id, environment, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (feature_id, environment) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
    ),
    liveGraphs: db.prepare(
      'SELECT ev.feature_id, ev.version, v.graph FROM environment_versions ev JOIN versions v ON v.feature_id = ev.feature_id AND v.version = ev.version',
    ),
    listLive: db.prepare('SELECT * FROM environment_versions ORDER BY feature_id, environment'),
    listLiveOf: db.prepare('SELECT * FROM environment_versions WHERE feature_id = ? ORDER BY environment'),
    listSiteKeys: db.prepare('SELECT * FROM site_keys ORDER BY created_at, id'),
    insSiteKey: db.prepare(
      'INSERT INTO site_keys (id, key, name, environment, origins, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    getSiteKey: db.prepare('SELECT * FROM site_keys WHERE id = ?'),
    revokeSiteKey: db.prepare('UPDATE site_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    insCr: db.prepare(
      'INSERT INTO change_requests (id, feature_id, environment, status, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    getCr: db.prepare('SELECT * FROM change_requests WHERE id = ?'),
    listCr: db.prepare(
      `SELECT * FROM change_requests WHERE (@f IS NULL OR feature_id = @f) AND (@e IS NULL OR environment = @e)
       AND (@s IS NULL OR status = @s) ORDER BY created_at DESC, id`,
    ),
    updCr: db.prepare('UPDATE change_requests SET status = ?, data = ?, updated_at = ? WHERE id = ?'),
    changeSeq: db.prepare('SELECT coalesce(max(seq), 0) AS s FROM changes'),
    changesSince: db.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?'),
    listVersions: db.prepare(
      'SELECT feature_id, version, author, note, created_at, rolled_back_from FROM versions WHERE feature_id = ? ORDER BY version DESC',
    ),
    getVersion: db.prepare('SELECT * FROM versions WHERE feature_id = ? AND version = ?'),
    getPublished: db.prepare(
      'SELECT v.* FROM versions v JOIN features f ON f.id = v.feature_id AND f.published_version = v.version WHERE f.id = ?',
    ),
    listPublished: db.prepare(
      'SELECT v.* FROM versions v JOIN features f ON f.id = v.feature_id AND f.published_version = v.version ORDER BY v.feature_id',
    ),
    listSuites: db.prepare('SELECT * FROM suites WHERE feature_id = ? ORDER BY name, id'),
    getSuite: db.prepare('SELECT * FROM suites WHERE id = ?'),
    putSuite: db.prepare(
      'INSERT INTO suites (id, feature_id, name, cases, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, cases = excluded.cases, updated_at = excluded.updated_at',
    ),
    delSuite: db.prepare('DELETE FROM suites WHERE id = ?'),
    appendLog: db.prepare(
      'INSERT INTO decision_log (feature_id, version, at, input, decision, path) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    listLog: db.prepare('SELECT * FROM decision_log WHERE feature_id = ? AND at >= ? ORDER BY id DESC LIMIT ?'),
    trimLog: db.prepare(
      'DELETE FROM decision_log WHERE feature_id = ? AND id <= coalesce((SELECT id FROM decision_log WHERE feature_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1)',
    ),
    meterUsed: db.prepare('SELECT count(*) AS n FROM meter_uses WHERE tracker = ? AND visitor = ? AND at >= ?'),
    meterHasContent: db.prepare(
      'SELECT 1 AS hit FROM meter_uses WHERE tracker = ? AND visitor = ? AND at >= ? AND content_id = ? LIMIT 1',
    ),
    meterInsert: db.prepare(
      'INSERT INTO meter_uses (tracker, visitor, at, content_id, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    meterPrune: db.prepare(
      'DELETE FROM meter_uses WHERE rowid IN (SELECT rowid FROM meter_uses WHERE expires_at <= ? LIMIT 5000)',
    ),
    meterLease: db.prepare(
      'UPDATE meter_prune_lease SET pruned_at = ? WHERE id = 1 AND (pruned_at = 0 OR pruned_at <= ?)',
    ),
    insAudit: db.prepare(
      'INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    listUsers: db.prepare('SELECT * FROM users ORDER BY email'),
    getUser: db.prepare('SELECT * FROM users WHERE id = ?'),
    getUserByEmail: db.prepare('SELECT * FROM users WHERE email = ?'),
    getUserBySubject: db.prepare('SELECT * FROM users WHERE subject = ?'),
    insUser: db.prepare(
      `INSERT INTO users (id, email, name, role, password_hash, subject, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    updUser: db.prepare('UPDATE users SET name = ?, role = ?, password_hash = ?, updated_at = ? WHERE id = ?'),
    delUser: db.prepare('DELETE FROM users WHERE id = ?'),
    insSession: db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
    getSession: db.prepare('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?'),
    delSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
    extendSession: db.prepare(
      'UPDATE sessions SET expires_at = ? WHERE id_hash = ? AND expires_at > ? AND expires_at < ?',
    ),
    delUserSessions: db.prepare('DELETE FROM sessions WHERE user_id = ?'),
    delExpiredSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    insToken: db.prepare(
      'INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    listTokens: db.prepare('SELECT * FROM api_tokens ORDER BY created_at DESC, id'),
    getToken: db.prepare('SELECT * FROM api_tokens WHERE id = ?'),
    useToken: db.prepare(
      `UPDATE api_tokens SET last_used_at = ? WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
       RETURNING *`,
    ),
    revokeToken: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };

  const writeAudit = <R>(draft: AuditDraft<R>, result: R) => {
    const v = auditValues(draft, result);
    q.insAudit.run(now(), v.actorType, v.actorId, v.actorName, v.action, v.target, v.before, v.after);
  };
  /** Runs `fn` and, when an audit draft is given, writes its entry in the same BEGIN IMMEDIATE transaction. */
  const audited = <R>(audit: AuditDraft<R> | undefined, fn: () => R): R => {
    if (!audit) return fn();
    return db
      .transaction(() => {
        const result = fn();
        writeAudit(audit, result);
        return result;
      })
      .immediate();
  };
  /** Like `audited`, but always one BEGIN IMMEDIATE transaction (several statements). */
  const atomic = <R>(audit: AuditDraft<R> | undefined, fn: () => R): R =>
    db
      .transaction(() => {
        const result = fn();
        if (audit) writeAudit(audit, result);
        return result;
      })
      .immediate();
  const userOr404 = (id: string) => {
    const row = q.getUser.get(id) as Row | undefined;
    if (!row) throw new ClaimflowError('CF_USER_NOT_FOUND', `no user "${id}"`, { field: 'id' });
    return toUser(row);
  };

  const feature = (id: string) => {
    const row = q.getFeat.get(id) as Row | undefined;
    if (!row) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
    return toFeature(row);
  };

  /** Uses in the window and whether this use repeats content counted in it (the meter rule's input). */
  const meterState = (req: MeterRequest): MeterState => {
    const used = (q.meterUsed.get(req.tracker, req.visitor, req.windowStart) as { n: number }).n;
    const content = repeatContent(req);
    const repeat =
      content !== null && q.meterHasContent.get(req.tracker, req.visitor, req.windowStart, content) !== undefined;
    return { used, repeat };
  };

  const publishTx = db.transaction(
    (
      featureId: string,
      v: {
        graph: unknown;
        compiled: unknown;
        author: string;
        note: string;
        rolledBackFrom?: number | null;
        environment?: string;
      },
    ) => {
      feature(featureId);
      // Inside the write transaction: a product deleted meanwhile cannot end up in a published version.
      checkGraphProducts(v.graph, (id) => q.getProd.get(id) !== undefined);
      const next = (q.maxVersion.get(featureId) as { v: number }).v + 1;
      const at = now();
      q.insVersion.run(
        featureId,
        next,
        JSON.stringify(v.graph ?? null),
        JSON.stringify(v.compiled ?? null),
        v.author,
        v.note,
        at,
        v.rolledBackFrom ?? null,
      );
      if (v.environment === undefined) q.setPublished.run(next, at, featureId);
      else q.setEnvVersion.run(featureId, v.environment, next, at);
      q.insChange.run(featureId, next, v.environment ?? null, null);
      return toVersion(q.getVersion.get(featureId, next) as Row);
    },
  );

  const setLiveTx = db.transaction((featureId: string, environment: string | undefined, version: number) => {
    feature(featureId);
    const row = q.getVersion.get(featureId, version) as Row | undefined;
    if (!row)
      throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${featureId}" has no version ${version}`, {
        field: 'version',
      });
    checkGraphProducts(toVersion(row).graph, (id) => q.getProd.get(id) !== undefined);
    const at = now();
    if (environment === undefined) q.setPublished.run(version, at, featureId);
    else q.setEnvVersion.run(featureId, environment, version, at);
    q.insChange.run(featureId, version, environment ?? null, null);
    return { featureId, environment: environment ?? '', version };
  });
  /** Tells every store open on this file (the other instances' listeners) about a change. */
  const broadcast = (e: ChangeEvent) => {
    for (const emitTo of [...(emittersByFile.get(file) ?? [])]) emitTo(e);
  };
  const siteKeysChanged = () => q.insChange.run('', 0, null, 'siteKeys');
  const updCrTx = db.transaction((id: string, change: (cr: ChangeRequest) => ChangeRequest) => {
    const row = q.getCr.get(id) as Row | undefined;
    if (!row) throw new ClaimflowError('CF_CHANGE_REQUEST_NOT_FOUND', `no change request "${id}"`, { field: 'id' });
    const next = { ...change(toChangeRequest(row)), updatedAt: now() };
    const { id: _id, featureId, environment, status, createdAt, updatedAt, ...data } = next;
    q.updCr.run(status, JSON.stringify(data), updatedAt, id);
    return next;
  });

  const consumeOne = (req: MeterRequest): MeterResult => {
    const verdict = meterVerdict(meterState(req), req.allowance);
    if (verdict.counted) q.meterInsert.run(req.tracker, req.visitor, req.now, req.contentId, req.expiresAt ?? null);
    return verdict;
  };
  // One BEGIN IMMEDIATE and one commit for the batch; uses are checked in request order.
  const consumeBatchTx = db.transaction((batch: MeterRequest[]) => batch.map(consumeOne));
  const meterBatches = groupCommit<MeterRequest, MeterResult>({
    ...options.meterBatch,
    maxInFlight: 1, // better-sqlite3 is synchronous: one batch at a time, the next gathers meanwhile
    write: async (batch) => consumeBatchTx.immediate(batch),
  });
  // A read transaction: both counts come from one snapshot.
  const peekTx = db.transaction((req: MeterRequest) => meterPeek(meterState(req), req.allowance));

  const putEntTx = db.transaction((id: string, name: string, parentId: string | null) => {
    const parents = new Map<string, string | null>();
    for (const r of q.listEnt.all() as Row[])
      parents.set(String(r.id), r.parent_id == null ? null : String(r.parent_id));
    checkEntitlementParent(id, parentId, parents);
    q.putEnt.run(id, name, parentId);
  });

  const delEntTx = db.transaction((id: string) => {
    const inUse = entitlementInUse(id, {
      children: (q.entChildren.all(id) as Row[]).map((r) => String(r.id)),
      products: (q.listProd.all() as Row[])
        .map(toProduct)
        .filter((p) => p.entitlementIds.includes(id))
        .map((p) => p.id),
      features: (q.listFeat.all() as Row[])
        .map(toFeature)
        .filter((f) => f.customerEntitlements.includes(id))
        .map((f) => f.id),
    });
    if (inUse) throw inUse;
    return q.delEnt.run(id).changes > 0;
  });

  const delProdTx = db.transaction((id: string) => {
    if (q.getProd.get(id) === undefined) return false;
    const users = productUsers(
      id,
      (q.featureGraphs.all() as Row[]).map((r) => ({
        id: String(r.id),
        draft: JSON.parse(String(r.draft)) as unknown,
        publishedVersion: r.published_version == null ? null : Number(r.published_version),
        publishedGraph: r.graph == null ? null : (JSON.parse(String(r.graph)) as unknown),
      })),
      (q.liveGraphs.all() as Row[]).map((r) => ({
        featureId: String(r.feature_id),
        version: Number(r.version),
        graph: JSON.parse(String(r.graph)) as unknown,
      })),
    );
    if (users.length > 0) throw productInUse(id, users);
    return q.delProd.run(id).changes > 0;
  });

  const entitlementExists = (id: string) => q.getEnt.get(id) !== undefined;

  const insFeatTx = db.transaction(
    (f: { id: string; name: string; customerEntitlements: string[]; draft: unknown }) => {
      checkCustomerEntitlements(f.customerEntitlements, entitlementExists);
      const at = now();
      const res = q.insFeat.run(
        f.id,
        f.name,
        JSON.stringify(f.customerEntitlements),
        JSON.stringify(f.draft ?? null),
        at,
        at,
        at,
      );
      if (res.changes === 0)
        throw new ClaimflowError('CF_FEATURE_EXISTS', `a feature "${f.id}" exists`, { field: 'id' });
      return feature(f.id);
    },
  );

  const putProdTx = db.transaction(
    (p: { id: string; name: string; claimValues: string[]; entitlementIds: string[] }) => {
      checkProductEntitlements(p.entitlementIds, (id) => q.getEnt.get(id) !== undefined);
      q.putProd.run(p.id, p.name, JSON.stringify(p.claimValues), JSON.stringify(p.entitlementIds));
    },
  );

  const updFeatTx = db.transaction(
    (id: string, patch: { name?: string; customerEntitlements?: string[]; settings?: Record<string, unknown> }) => {
      const cur = feature(id);
      if (patch.customerEntitlements) checkCustomerEntitlements(patch.customerEntitlements, entitlementExists);
      q.updFeat.run(
        patch.name ?? cur.name,
        JSON.stringify(patch.customerEntitlements ?? cur.customerEntitlements),
        JSON.stringify(patch.settings ? { ...cur.settings, ...patch.settings } : cur.settings),
        now(),
        id,
      );
      return feature(id);
    },
  );

  const putSuiteTx = db.transaction((s: { id: string; featureId: string; name: string; cases: unknown[] }) => {
    feature(s.featureId);
    const at = now();
    q.putSuite.run(s.id, s.featureId, s.name, JSON.stringify(s.cases), at, at);
    return toSuite(q.getSuite.get(s.id) as Row);
  });

  const store: Store = {
    kind: 'sqlite',
    async getSetting(key) {
      const row = q.getSetting.get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as unknown) : null;
    },
    async putSetting(key, value, audit) {
      audited(audit, () => {
        q.putSetting.run(key, JSON.stringify(value ?? null));
      });
    },
    async listEntitlements() {
      return (q.listEnt.all() as Row[]).map(toEntitlement);
    },
    async getEntitlement(id) {
      const row = q.getEnt.get(id) as Row | undefined;
      return row ? toEntitlement(row) : null;
    },
    async putEntitlement(e, audit) {
      return audited(audit, () => {
        putEntTx.immediate(e.id, e.name, e.parentId);
        return { id: e.id, name: e.name, parentId: e.parentId };
      });
    },
    async deleteEntitlement(id, audit) {
      return audited(audit, () => delEntTx.immediate(id));
    },
    async listProducts() {
      return (q.listProd.all() as Row[]).map(toProduct);
    },
    async getProduct(id) {
      const row = q.getProd.get(id) as Row | undefined;
      return row ? toProduct(row) : null;
    },
    async putProduct(p, audit) {
      return audited(audit, () => {
        putProdTx.immediate(p);
        return { id: p.id, name: p.name, claimValues: [...p.claimValues], entitlementIds: [...p.entitlementIds] };
      });
    },
    async deleteProduct(id, audit) {
      return audited(audit, () => delProdTx.immediate(id));
    },
    async listFeatures() {
      return (q.listFeat.all() as Row[]).map(toFeature);
    },
    async getFeature(id) {
      const row = q.getFeat.get(id) as Row | undefined;
      return row ? toFeature(row) : null;
    },
    async createFeature(f, audit) {
      return audited(audit, () => insFeatTx.immediate(f));
    },
    async updateFeature(id, patch, audit) {
      return audited(audit, () => updFeatTx.immediate(id, patch));
    },
    async saveDraft(id, graph, audit) {
      return audited(audit, () => {
        const at = now();
        if (q.saveDraft.run(JSON.stringify(graph ?? null), at, at, id).changes === 0) feature(id);
        return feature(id);
      });
    },
    async deleteFeature(id, audit) {
      return audited(audit, () => q.delFeat.run(id).changes > 0);
    },
    async publishVersion(featureId, v, audit) {
      const version = audited(audit, () => publishTx.immediate(featureId, v));
      broadcast({
        featureId,
        version: version.version,
        ...(v.environment === undefined ? {} : { environment: v.environment }),
      });
      return version;
    },
    async setLive(featureId, environment, version, audit) {
      const live = audited(audit, () => setLiveTx.immediate(featureId, environment, version));
      broadcast({ featureId, version, ...(environment === undefined ? {} : { environment }) });
      return live;
    },
    async listLive(featureId) {
      const rows = featureId === undefined ? q.listLive.all() : q.listLiveOf.all(featureId);
      return (rows as Row[]).map(toLiveRow);
    },
    async listSiteKeys() {
      return (q.listSiteKeys.all() as Row[]).map(toSiteKey);
    },
    async createSiteKey(k, audit) {
      const created = atomic(audit, () => {
        q.insSiteKey.run(k.id, k.key, k.name, k.environment, JSON.stringify(k.origins), k.createdBy, k.createdAt);
        siteKeysChanged();
        return toSiteKey(q.getSiteKey.get(k.id) as Row);
      });
      broadcast({ featureId: '', version: 0, kind: 'siteKeys' });
      return created;
    },
    async revokeSiteKey(id, audit) {
      const done = atomic(audit, () => {
        const changed = q.revokeSiteKey.run(now(), id).changes > 0;
        if (changed) siteKeysChanged();
        return changed;
      });
      if (done) broadcast({ featureId: '', version: 0, kind: 'siteKeys' });
      return done;
    },
    async createChangeRequest(cr, audit) {
      return atomic(audit, () => {
        feature(cr.featureId);
        const { id, featureId, environment, status, createdAt, updatedAt, ...data } = cr;
        q.insCr.run(id, featureId, environment, status, JSON.stringify(data), createdAt, updatedAt);
        return cr;
      });
    },
    async getChangeRequest(id) {
      const row = q.getCr.get(id) as Row | undefined;
      return row ? toChangeRequest(row) : null;
    },
    async listChangeRequests(query = {}) {
      return (
        q.listCr.all({ f: query.featureId ?? null, e: query.environment ?? null, s: query.status ?? null }) as Row[]
      ).map(toChangeRequest);
    },
    async updateChangeRequest(id, change, audit) {
      return audited(audit, () => updCrTx.immediate(id, change));
    },
    async listVersions(featureId) {
      return (q.listVersions.all(featureId) as Row[]).map(toVersionSummary);
    },
    async getVersion(featureId, version) {
      const row = q.getVersion.get(featureId, version) as Row | undefined;
      return row ? toVersion(row) : null;
    },
    async getPublished(featureId) {
      const row = q.getPublished.get(featureId) as Row | undefined;
      return row ? toVersion(row) : null;
    },
    async listPublished() {
      return (q.listPublished.all() as Row[]).map(toVersion);
    },
    async getChangeSeq() {
      return (q.changeSeq.get() as { s: number }).s;
    },
    async changesSince(seq, limit = 1000) {
      return (q.changesSince.all(seq, limit) as Row[]).map(toChange);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async listSuites(featureId) {
      return (q.listSuites.all(featureId) as Row[]).map(toSuite);
    },
    async getSuite(id) {
      const row = q.getSuite.get(id) as Row | undefined;
      return row ? toSuite(row) : null;
    },
    async putSuite(s, audit) {
      return audited(audit, () => putSuiteTx.immediate(s));
    },
    async deleteSuite(id, audit) {
      return audited(audit, () => q.delSuite.run(id).changes > 0);
    },
    async listUsers() {
      return (q.listUsers.all() as Row[]).map(toUser);
    },
    async getUser(id) {
      const row = q.getUser.get(id) as Row | undefined;
      return row ? toUser(row) : null;
    },
    async getUserByEmail(email) {
      const row = q.getUserByEmail.get(normalizeEmail(email)) as Row | undefined;
      return row ? toUser(row) : null;
    },
    async getUserBySubject(subject) {
      const row = q.getUserBySubject.get(subject) as Row | undefined;
      return row ? toUser(row) : null;
    },
    async getPasswordHash(userId) {
      const row = q.getUser.get(userId) as Row | undefined;
      return row?.password_hash == null ? null : String(row.password_hash);
    },
    async createUser(u, audit) {
      return audited(audit, () => {
        const at = now();
        const res = q.insUser.run(u.id, normalizeEmail(u.email), u.name, u.role, u.passwordHash, u.subject, at, at);
        if (res.changes === 0)
          throw new ClaimflowError('CF_USER_EXISTS', `a user with the email "${u.email}" exists`, { field: 'email' });
        return userOr404(u.id);
      });
    },
    async updateUser(id, patch, audit) {
      return audited(audit, () =>
        db
          .transaction(() => {
            const row = q.getUser.get(id) as Row | undefined;
            if (!row) throw new ClaimflowError('CF_USER_NOT_FOUND', `no user "${id}"`, { field: 'id' });
            q.updUser.run(
              patch.name ?? row.name,
              patch.role ?? row.role,
              patch.passwordHash ?? row.password_hash ?? null,
              now(),
              id,
            );
            if (patch.passwordHash !== undefined) q.delUserSessions.run(id);
            return userOr404(id);
          })
          .immediate(),
      );
    },
    async deleteUser(id, audit) {
      return audited(audit, () => q.delUser.run(id).changes > 0);
    },
    async createSession(session) {
      q.delExpiredSessions.run(now());
      q.insSession.run(
        session.idHash,
        session.userId,
        canonicalInstant(session.createdAt),
        canonicalInstant(session.expiresAt),
      );
    },
    async getSession(idHash, at = new Date()) {
      const row = q.getSession.get(idHash, at.toISOString()) as Row | undefined;
      if (!row) return null;
      const user = q.getUser.get(String(row.user_id)) as Row | undefined;
      return user ? { session: toSession(row), user: toUser(user) } : null;
    },
    async deleteSession(idHash, audit) {
      return audited(audit, () => q.delSession.run(idHash).changes > 0);
    },
    async extendSession(idHash, expiresAt, at = new Date()) {
      const until = canonicalInstant(expiresAt);
      return q.extendSession.run(until, idHash, at.toISOString(), until).changes > 0;
    },
    async createApiToken(t, audit) {
      return audited(audit, () => {
        q.insToken.run(
          t.id,
          t.name,
          t.role,
          t.hash,
          t.createdBy,
          canonicalInstant(t.createdAt),
          t.expiresAt === null ? null : canonicalInstant(t.expiresAt),
        );
        return toApiToken(q.getToken.get(t.id) as Row);
      });
    },
    async listApiTokens() {
      return (q.listTokens.all() as Row[]).map(toApiToken);
    },
    async touchApiToken(hash, at = new Date()) {
      const row = q.useToken.get(at.toISOString(), hash, at.toISOString()) as Row | undefined;
      return row ? toApiToken(row) : null;
    },
    async revokeApiToken(id, audit) {
      return audited(audit, () => q.revokeToken.run(now(), id).changes > 0);
    },
    async appendAudit(entry) {
      writeAudit(entry, undefined);
    },
    async listAudit(query = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.actor !== undefined) {
        where.push('(actor_id = ? OR actor_name = ?)');
        params.push(query.actor, query.actor);
      }
      if (query.target !== undefined) {
        if (query.target.endsWith('*')) {
          const prefix = query.target.slice(0, -1);
          where.push('substr(target, 1, ?) = ?');
          params.push(prefix.length, prefix);
        } else {
          where.push('target = ?');
          params.push(query.target);
        }
      }
      if (query.action !== undefined) {
        where.push('action = ?');
        params.push(query.action);
      }
      if (query.from !== undefined) {
        where.push('at >= ?');
        params.push(canonicalInstant(query.from));
      }
      if (query.to !== undefined) {
        where.push('at <= ?');
        params.push(canonicalInstant(query.to));
      }
      if (query.before !== undefined) {
        where.push('id < ?');
        params.push(query.before);
      }
      params.push(query.limit ?? 100);
      const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...params) as Row[]).map(toAuditEntry);
    },
    async appendDecisionLog(e) {
      q.appendLog.run(
        e.featureId,
        e.version,
        canonicalInstant(e.at),
        JSON.stringify(e.input ?? null),
        e.decision,
        JSON.stringify(e.path),
      );
    },
    async listDecisionLog(featureId, options) {
      const since = options?.since === undefined ? '' : canonicalInstant(options.since);
      return (q.listLog.all(featureId, since, options?.limit ?? 1000) as Row[]).map(toLogEntry);
    },
    async trimDecisionLog(featureId, maxRows) {
      q.trimLog.run(featureId, featureId, Math.max(0, Math.floor(maxRows)));
    },
    async consumeMeter(req) {
      if (!db.open) throw new TypeError('The database connection is not open');
      return meterBatches.submit(req);
    },
    meterBatchStats: () => meterBatches.stats(),
    async peekMeter(req) {
      return peekTx(req);
    },
    async pruneMeters(now, leaseMs) {
      if (leaseMs !== undefined && q.meterLease.run(now, now - leaseMs).changes === 0) return null;
      let removed = 0;
      for (;;) {
        const n = q.meterPrune.run(now).changes;
        removed += n;
        if (n < 5000) return removed;
      }
    },
    async ready() {
      try {
        return (db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
      } catch {
        return false;
      }
    },
    async close() {
      listeners.clear();
      const set = emittersByFile.get(file);
      set?.delete(emitter);
      if (set?.size === 0) emittersByFile.delete(file);
      if (db.open) db.close();
    },
  };
  return guardStore(store);
}

/** Applies the pending migrations, each in its own BEGIN IMMEDIATE transaction (safe when processes open at once). */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = db.prepare('SELECT 1 AS done FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  SQLITE_MIGRATIONS.forEach((sql, i) => {
    const version = i + 1;
    db.transaction(() => {
      if (applied.get(version)) return;
      db.exec(sql);
      record.run(version, new Date().toISOString());
    }).immediate();
  });
}
