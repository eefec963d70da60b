/**
 * The embedded store: better-sqlite3 on `<dataDir>/claimflow.db`, WAL with synchronous=FULL so every acknowledged
 * write survives a crash; each multi-row write is one transaction (BEGIN IMMEDIATE), so a kill -9 leaves the old or
 * the new state, never half of one. Migrations run at open.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ClaimflowError } from '../../engine';
import {
  checkEntitlementParent,
  toEntitlement,
  toFeature,
  toLogEntry,
  toProduct,
  toSuite,
  toVersion,
  toVersionSummary,
} from './lib/rows';
import type { ChangeEvent, MeterRequest, Store } from './store';

const MIGRATIONS: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE entitlements (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT REFERENCES entitlements(id));
   CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, claim_values TEXT NOT NULL, entitlement_ids TEXT NOT NULL);
   CREATE TABLE features (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, customer_entitlements TEXT NOT NULL, draft TEXT NOT NULL,
     draft_updated_at TEXT NOT NULL, published_version INTEGER, settings TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE versions (
     feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE, version INTEGER NOT NULL,
     graph TEXT NOT NULL, compiled TEXT NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL,
     created_at TEXT NOT NULL, rolled_back_from INTEGER, PRIMARY KEY (feature_id, version));
   CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
   CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, feature_id TEXT NOT NULL, version INTEGER NOT NULL);
   CREATE TABLE suites (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     name TEXT NOT NULL, cases TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE INDEX suites_feature ON suites(feature_id);
   CREATE TABLE decision_log (id INTEGER PRIMARY KEY AUTOINCREMENT, feature_id TEXT NOT NULL, version INTEGER NOT NULL,
     at TEXT NOT NULL, input TEXT NOT NULL, decision TEXT, path TEXT NOT NULL);
   CREATE INDEX decision_log_feature ON decision_log(feature_id, id);
   CREATE TABLE meter_uses (tracker TEXT NOT NULL, visitor TEXT NOT NULL, at INTEGER NOT NULL, content_id TEXT);
   CREATE INDEX meter_uses_key ON meter_uses(tracker, visitor, at);`,
];

type Row = Record<string, unknown>;

export async function openSqliteStore(options: { dataDir: string; fileName?: string }): Promise<Store> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, options.fileName ?? 'claimflow.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const listeners = new Set<(e: ChangeEvent) => void>();
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
    entChildren: db.prepare('SELECT count(*) AS n FROM entitlements WHERE parent_id = ?'),
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
      'INSERT INTO features (id, name, customer_entitlements, draft, draft_updated_at, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updFeat: db.prepare(
      'UPDATE features SET name = ?, customer_entitlements = ?, settings = ?, updated_at = ? WHERE id = ?',
    ),
    saveDraft: db.prepare('UPDATE features SET draft = ?, draft_updated_at = ?, updated_at = ? WHERE id = ?'),
    delFeat: db.prepare('DELETE FROM features WHERE id = ?'),
    maxVersion: db.prepare('SELECT coalesce(max(version), 0) AS v FROM versions WHERE feature_id = ?'),
    insVersion: db.prepare(
      'INSERT INTO versions (feature_id, version, graph, compiled, author, note, created_at, rolled_back_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setPublished: db.prepare('UPDATE features SET published_version = ?, updated_at = ? WHERE id = ?'),
    insChange: db.prepare('INSERT INTO changes (feature_id, version) VALUES (?, ?)'),
    changeSeq: db.prepare('SELECT coalesce(max(seq), 0) AS s FROM changes'),
    listVersions: db.prepare(
      'SELECT feature_id, version, author, note, created_at, rolled_back_from FROM versions WHERE feature_id = ? ORDER BY version DESC',
    ),
    getVersion: db.prepare('SELECT * FROM versions WHERE feature_id = ? AND version = ?'),
    listPublished: db.prepare(
      'SELECT v.* FROM versions v JOIN features f ON f.id = v.feature_id AND f.published_version = v.version ORDER BY v.feature_id',
    ),
    listSuites: db.prepare('SELECT * FROM suites WHERE feature_id = ? ORDER BY name'),
    getSuite: db.prepare('SELECT * FROM suites WHERE id = ?'),
    putSuite: db.prepare(
      'INSERT INTO suites (id, feature_id, name, cases, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, cases = excluded.cases, updated_at = excluded.updated_at',
    ),
    delSuite: db.prepare('DELETE FROM suites WHERE id = ?'),
    appendLog: db.prepare(
      'INSERT INTO decision_log (feature_id, version, at, input, decision, path) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    listLog: db.prepare('SELECT * FROM decision_log WHERE feature_id = ? ORDER BY id DESC LIMIT ?'),
    trimLog: db.prepare(
      'DELETE FROM decision_log WHERE feature_id = ? AND id <= coalesce((SELECT id FROM decision_log WHERE feature_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1)',
    ),
    meterUsed: db.prepare('SELECT count(*) AS n FROM meter_uses WHERE tracker = ? AND visitor = ? AND at >= ?'),
    meterHasContent: db.prepare(
      'SELECT 1 AS hit FROM meter_uses WHERE tracker = ? AND visitor = ? AND at >= ? AND content_id = ? LIMIT 1',
    ),
    meterInsert: db.prepare('INSERT INTO meter_uses (tracker, visitor, at, content_id) VALUES (?, ?, ?, ?)'),
    meterPrune: db.prepare('DELETE FROM meter_uses WHERE at < ?'),
  };

  const feature = (id: string) => {
    const row = q.getFeat.get(id) as Row | undefined;
    if (!row) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
    return toFeature(row);
  };

  const meterState = (req: MeterRequest) => {
    if (req.counting === 'uniqueContent' && req.contentId !== null) {
      if (q.meterHasContent.get(req.tracker, req.visitor, req.windowStart, req.contentId))
        return { already: true, used: (q.meterUsed.get(req.tracker, req.visitor, req.windowStart) as { n: number }).n };
    }
    return { already: false, used: (q.meterUsed.get(req.tracker, req.visitor, req.windowStart) as { n: number }).n };
  };

  const publishTx = db.transaction(
    (
      featureId: string,
      v: { graph: unknown; compiled: unknown; author: string; note: string; rolledBackFrom?: number | null },
    ) => {
      feature(featureId);
      const next = (q.maxVersion.get(featureId) as { v: number }).v + 1;
      const at = now();
      q.insVersion.run(
        featureId,
        next,
        JSON.stringify(v.graph),
        JSON.stringify(v.compiled),
        v.author,
        v.note,
        at,
        v.rolledBackFrom ?? null,
      );
      q.setPublished.run(next, at, featureId);
      q.insChange.run(featureId, next);
      return next;
    },
  );

  const consumeTx = db.transaction((req: MeterRequest) => {
    const state = meterState(req);
    if (state.already) return { allowed: true, used: state.used, counted: false };
    if (state.used >= req.allowance) return { allowed: false, used: state.used, counted: false };
    q.meterInsert.run(req.tracker, req.visitor, req.now, req.contentId);
    return { allowed: true, used: state.used + 1, counted: true };
  });

  const putEntTx = db.transaction((id: string, name: string, parentId: string | null) => {
    const parents = new Map<string, string | null>();
    for (const r of q.listEnt.all() as Row[])
      parents.set(String(r.id), r.parent_id == null ? null : String(r.parent_id));
    checkEntitlementParent(id, parentId, parents);
    q.putEnt.run(id, name, parentId);
  });

  const delEntTx = db.transaction((id: string) => {
    if ((q.entChildren.get(id) as { n: number }).n > 0)
      throw new ClaimflowError('CF_ENTITLEMENT_IN_USE', `entitlement "${id}" is the parent of other entitlements`);
    for (const p of (q.listProd.all() as Row[]).map(toProduct)) {
      if (p.entitlementIds.includes(id))
        throw new ClaimflowError('CF_ENTITLEMENT_IN_USE', `entitlement "${id}" is granted by product "${p.id}"`);
    }
    return q.delEnt.run(id).changes > 0;
  });

  const store: Store = {
    kind: 'sqlite',
    async getSetting(key) {
      const row = q.getSetting.get(key) as { value: string } | undefined;
      return row ? JSON.parse(row.value) : null;
    },
    async putSetting(key, value) {
      q.putSetting.run(key, JSON.stringify(value));
    },
    async listEntitlements() {
      return (q.listEnt.all() as Row[]).map(toEntitlement);
    },
    async getEntitlement(id) {
      const row = q.getEnt.get(id) as Row | undefined;
      return row ? toEntitlement(row) : null;
    },
    async putEntitlement(e) {
      putEntTx.immediate(e.id, e.name, e.parentId);
      return { ...e };
    },
    async deleteEntitlement(id) {
      return delEntTx.immediate(id);
    },
    async listProducts() {
      return (q.listProd.all() as Row[]).map(toProduct);
    },
    async getProduct(id) {
      const row = q.getProd.get(id) as Row | undefined;
      return row ? toProduct(row) : null;
    },
    async putProduct(p) {
      q.putProd.run(p.id, p.name, JSON.stringify(p.claimValues), JSON.stringify(p.entitlementIds));
      return { ...p };
    },
    async deleteProduct(id) {
      return q.delProd.run(id).changes > 0;
    },
    async listFeatures() {
      return (q.listFeat.all() as Row[]).map(toFeature);
    },
    async getFeature(id) {
      const row = q.getFeat.get(id) as Row | undefined;
      return row ? toFeature(row) : null;
    },
    async createFeature(f) {
      if (q.getFeat.get(f.id))
        throw new ClaimflowError('CF_FEATURE_EXISTS', `a feature "${f.id}" exists`, { field: 'id' });
      const at = now();
      q.insFeat.run(f.id, f.name, JSON.stringify(f.customerEntitlements), JSON.stringify(f.draft), at, '{}', at, at);
      return feature(f.id);
    },
    async updateFeature(id, patch) {
      const cur = feature(id);
      q.updFeat.run(
        patch.name ?? cur.name,
        JSON.stringify(patch.customerEntitlements ?? cur.customerEntitlements),
        JSON.stringify(patch.settings ? { ...cur.settings, ...patch.settings } : cur.settings),
        now(),
        id,
      );
      return feature(id);
    },
    async saveDraft(id, graph) {
      feature(id);
      const at = now();
      q.saveDraft.run(JSON.stringify(graph), at, at, id);
      return feature(id);
    },
    async deleteFeature(id) {
      return q.delFeat.run(id).changes > 0;
    },
    async publishVersion(featureId, v) {
      const version = publishTx.immediate(featureId, v);
      const row = toVersion(q.getVersion.get(featureId, version) as Row);
      for (const l of listeners) l({ featureId, version });
      return row;
    },
    async listVersions(featureId) {
      return (q.listVersions.all(featureId) as Row[]).map(toVersionSummary);
    },
    async getVersion(featureId, version) {
      const row = q.getVersion.get(featureId, version) as Row | undefined;
      return row ? toVersion(row) : null;
    },
    async getPublished(featureId) {
      const f = q.getFeat.get(featureId) as Row | undefined;
      if (!f || f.published_version == null) return null;
      const row = q.getVersion.get(featureId, f.published_version) as Row | undefined;
      return row ? toVersion(row) : null;
    },
    async listPublished() {
      return (q.listPublished.all() as Row[]).map(toVersion);
    },
    async getChangeSeq() {
      return (q.changeSeq.get() as { s: number }).s;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async listSuites(featureId) {
      return (q.listSuites.all(featureId) as Row[]).map(toSuite);
    },
    async getSuite(id) {
      const row = q.getSuite.get(id) as Row | undefined;
      return row ? toSuite(row) : null;
    },
    async putSuite(s) {
      feature(s.featureId);
      const at = now();
      q.putSuite.run(s.id, s.featureId, s.name, JSON.stringify(s.cases), at, at);
      return toSuite(q.getSuite.get(s.id) as Row);
    },
    async deleteSuite(id) {
      return q.delSuite.run(id).changes > 0;
    },
    async appendDecisionLog(e) {
      q.appendLog.run(e.featureId, e.version, e.at, JSON.stringify(e.input), e.decision, JSON.stringify(e.path));
    },
    async listDecisionLog(featureId, options) {
      return (q.listLog.all(featureId, options?.limit ?? 1000) as Row[]).map(toLogEntry);
    },
    async trimDecisionLog(featureId, maxRows) {
      q.trimLog.run(featureId, featureId, maxRows);
    },
    async consumeMeter(req) {
      return consumeTx.immediate(req);
    },
    async peekMeter(req) {
      const state = meterState(req);
      return { allowed: state.already || state.used < req.allowance, used: state.used };
    },
    async pruneMeters(olderThan) {
      q.meterPrune.run(olderThan);
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
      if (db.open) db.close();
    },
  };
  return store;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const apply = db.transaction(() => {
    const done = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    MIGRATIONS.forEach((sql, i) => {
      if (done.has(i + 1)) return;
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        i + 1,
        new Date().toISOString(),
      );
    });
  });
  apply.immediate();
}
