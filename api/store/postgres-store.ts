/**
 * The PostgreSQL store, for several instances sharing state. Publishing is one transaction (row lock on the feature,
 * next number, insert, pointer update, change row, NOTIFY on `claimflow_changes` delivered at commit); trial meter
 * uses are counted under a transaction-scoped advisory lock per (tracker, visitor), so concurrent decisions on any
 * instance count exactly. Migrations run at open under a session advisory lock (several instances may start at once).
 */
import pg from 'pg';
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

const CHANNEL = 'claimflow_changes';
const MIGRATION_LOCK = 727_100_001;

const MIGRATIONS: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value JSONB NOT NULL);
   CREATE TABLE entitlements (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT REFERENCES entitlements(id));
   CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, claim_values JSONB NOT NULL, entitlement_ids JSONB NOT NULL);
   CREATE TABLE features (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, customer_entitlements JSONB NOT NULL, draft JSONB NOT NULL,
     draft_updated_at TIMESTAMPTZ NOT NULL, published_version INTEGER, settings JSONB NOT NULL DEFAULT '{}',
     created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE TABLE versions (
     feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE, version INTEGER NOT NULL,
     graph JSONB NOT NULL, compiled JSONB NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL, rolled_back_from INTEGER, PRIMARY KEY (feature_id, version));
   CREATE FUNCTION claimflow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'versions are immutable'; END $$;
   CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions FOR EACH ROW EXECUTE FUNCTION claimflow_versions_immutable();
   CREATE TABLE changes (seq BIGSERIAL PRIMARY KEY, feature_id TEXT NOT NULL, version INTEGER NOT NULL);
   CREATE TABLE suites (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     name TEXT NOT NULL, cases JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE INDEX suites_feature ON suites(feature_id);
   CREATE TABLE decision_log (id BIGSERIAL PRIMARY KEY, feature_id TEXT NOT NULL, version INTEGER NOT NULL,
     at TIMESTAMPTZ NOT NULL, input JSONB NOT NULL, decision TEXT, path JSONB NOT NULL);
   CREATE INDEX decision_log_feature ON decision_log(feature_id, id);
   CREATE TABLE meter_uses (tracker TEXT NOT NULL, visitor TEXT NOT NULL, at BIGINT NOT NULL, content_id TEXT);
   CREATE INDEX meter_uses_key ON meter_uses(tracker, visitor, at);`,
  // One round trip per metered decision: lock, count and record inside one function call (one implicit transaction).
  `CREATE FUNCTION claimflow_consume_meter(p_tracker TEXT, p_visitor TEXT, p_window BIGINT, p_now BIGINT, p_allowance INTEGER,
     p_content TEXT, p_unique BOOLEAN) RETURNS TABLE (allowed BOOLEAN, used INTEGER, counted BOOLEAN) LANGUAGE plpgsql AS $$
   DECLARE n INTEGER; hit BOOLEAN := false;
   BEGIN
     PERFORM pg_advisory_xact_lock(hashtext(p_tracker), hashtext(p_visitor));
     SELECT count(*), coalesce(bool_or(p_unique AND p_content IS NOT NULL AND content_id = p_content), false) INTO n, hit
       FROM meter_uses WHERE tracker = p_tracker AND visitor = p_visitor AND at >= p_window;
     IF hit THEN RETURN QUERY SELECT true, n, false; RETURN; END IF;
     IF n >= p_allowance THEN RETURN QUERY SELECT false, n, false; RETURN; END IF;
     INSERT INTO meter_uses (tracker, visitor, at, content_id) VALUES (p_tracker, p_visitor, p_now, p_content);
     RETURN QUERY SELECT true, n + 1, true;
   END $$;`,
];

type Row = Record<string, unknown>;
type Q = pg.Pool | pg.PoolClient;

export async function openPostgresStore(options: { url: string; poolSize?: number }): Promise<Store> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  pool.on('error', () => {
    // idle client errors (server restart) are retried by the pool on next use
  });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new ClaimflowError('CF_STORE_UNAVAILABLE', `PostgreSQL is not usable: ${(error as Error).message}`);
  }

  const listeners = new Set<(e: ChangeEvent) => void>();
  let listener: pg.Client | null = null;
  let closed = false;
  const listen = async () => {
    if (closed || listeners.size === 0 || listener) return;
    const client = new pg.Client({ connectionString: options.url });
    listener = client;
    client.on('notification', (msg) => {
      try {
        const e = JSON.parse(msg.payload ?? '{}') as ChangeEvent;
        for (const l of listeners) l(e);
      } catch {
        // not ours
      }
    });
    client.on('error', () => {
      listener = null;
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void listen().catch(() => undefined), 1000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      listener = null;
      client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void listen().catch(() => undefined), 1000).unref();
    }
  };

  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  const one = async (q: Q, sql: string, params: unknown[] = []) =>
    ((await q.query(sql, params)).rows[0] as Row | undefined) ?? null;
  const all = async (q: Q, sql: string, params: unknown[] = []) => (await q.query(sql, params)).rows as Row[];
  const j = (v: unknown) => JSON.stringify(v);

  const feature = async (q: Q, id: string, lock = false) => {
    const row = await one(q, `SELECT * FROM features WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
    return toFeature(row);
  };

  /** Uses in the window and whether this content was already counted, in one query. */
  const meterState = async (q: Q, req: MeterRequest) => {
    const row = await one(
      q,
      'SELECT count(*) AS n, coalesce(bool_or($4::text IS NOT NULL AND content_id = $4), false) AS hit FROM meter_uses WHERE tracker = $1 AND visitor = $2 AND at >= $3',
      [req.tracker, req.visitor, req.windowStart, req.counting === 'uniqueContent' ? req.contentId : null],
    );
    return { already: row?.hit === true, used: Number(row?.n ?? 0) };
  };

  const store: Store = {
    kind: 'postgres',
    async getSetting(key) {
      const row = await one(pool, 'SELECT value FROM settings WHERE key = $1', [key]);
      return row ? row.value : null;
    },
    async putSetting(key, value) {
      await pool.query(
        'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, j(value)],
      );
    },
    async listEntitlements() {
      return (await all(pool, 'SELECT * FROM entitlements ORDER BY id')).map(toEntitlement);
    },
    async getEntitlement(id) {
      const row = await one(pool, 'SELECT * FROM entitlements WHERE id = $1', [id]);
      return row ? toEntitlement(row) : null;
    },
    async putEntitlement(e) {
      await tx(async (c) => {
        await c.query('LOCK TABLE entitlements IN SHARE ROW EXCLUSIVE MODE');
        const parents = new Map<string, string | null>();
        for (const r of await all(c, 'SELECT id, parent_id FROM entitlements'))
          parents.set(String(r.id), r.parent_id == null ? null : String(r.parent_id));
        checkEntitlementParent(e.id, e.parentId, parents);
        await c.query(
          'INSERT INTO entitlements (id, name, parent_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id',
          [e.id, e.name, e.parentId],
        );
      });
      return { ...e };
    },
    async deleteEntitlement(id) {
      return tx(async (c) => {
        if (await one(c, 'SELECT 1 FROM entitlements WHERE parent_id = $1 LIMIT 1', [id]))
          throw new ClaimflowError('CF_ENTITLEMENT_IN_USE', `entitlement "${id}" is the parent of other entitlements`);
        const p = await one(c, 'SELECT id FROM products WHERE entitlement_ids ? $1 LIMIT 1', [id]);
        if (p) throw new ClaimflowError('CF_ENTITLEMENT_IN_USE', `entitlement "${id}" is granted by product "${p.id}"`);
        return ((await c.query('DELETE FROM entitlements WHERE id = $1', [id])).rowCount ?? 0) > 0;
      });
    },
    async listProducts() {
      return (await all(pool, 'SELECT * FROM products ORDER BY id')).map(toProduct);
    },
    async getProduct(id) {
      const row = await one(pool, 'SELECT * FROM products WHERE id = $1', [id]);
      return row ? toProduct(row) : null;
    },
    async putProduct(p) {
      await pool.query(
        'INSERT INTO products (id, name, claim_values, entitlement_ids) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET name = excluded.name, claim_values = excluded.claim_values, entitlement_ids = excluded.entitlement_ids',
        [p.id, p.name, j(p.claimValues), j(p.entitlementIds)],
      );
      return { ...p };
    },
    async deleteProduct(id) {
      return ((await pool.query('DELETE FROM products WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async listFeatures() {
      return (await all(pool, 'SELECT * FROM features ORDER BY id')).map(toFeature);
    },
    async getFeature(id) {
      const row = await one(pool, 'SELECT * FROM features WHERE id = $1', [id]);
      return row ? toFeature(row) : null;
    },
    async createFeature(f) {
      const now = new Date();
      const res = await pool.query(
        `INSERT INTO features (id, name, customer_entitlements, draft, draft_updated_at, settings, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, '{}', $5, $5) ON CONFLICT (id) DO NOTHING`,
        [f.id, f.name, j(f.customerEntitlements), j(f.draft), now],
      );
      if ((res.rowCount ?? 0) === 0)
        throw new ClaimflowError('CF_FEATURE_EXISTS', `a feature "${f.id}" exists`, { field: 'id' });
      return feature(pool, f.id);
    },
    async updateFeature(id, patch) {
      return tx(async (c) => {
        const cur = await feature(c, id, true);
        await c.query(
          'UPDATE features SET name = $1, customer_entitlements = $2, settings = $3, updated_at = $4 WHERE id = $5',
          [
            patch.name ?? cur.name,
            j(patch.customerEntitlements ?? cur.customerEntitlements),
            j(patch.settings ? { ...cur.settings, ...patch.settings } : cur.settings),
            new Date(),
            id,
          ],
        );
        return feature(c, id);
      });
    },
    async saveDraft(id, graph) {
      const now = new Date();
      const res = await pool.query(
        'UPDATE features SET draft = $1, draft_updated_at = $2, updated_at = $2 WHERE id = $3',
        [j(graph), now, id],
      );
      if ((res.rowCount ?? 0) === 0)
        throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
      return feature(pool, id);
    },
    async deleteFeature(id) {
      return ((await pool.query('DELETE FROM features WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async publishVersion(featureId, v) {
      const row = await tx(async (c) => {
        await feature(c, featureId, true);
        const next = Number(
          (await one(c, 'SELECT coalesce(max(version), 0) + 1 AS v FROM versions WHERE feature_id = $1', [featureId]))
            ?.v,
        );
        const now = new Date();
        const inserted = await one(
          c,
          'INSERT INTO versions (feature_id, version, graph, compiled, author, note, created_at, rolled_back_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
          [featureId, next, j(v.graph), j(v.compiled), v.author, v.note, now, v.rolledBackFrom ?? null],
        );
        await c.query('UPDATE features SET published_version = $1, updated_at = $2 WHERE id = $3', [
          next,
          now,
          featureId,
        ]);
        await c.query('INSERT INTO changes (feature_id, version) VALUES ($1, $2)', [featureId, next]);
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, j({ featureId, version: next })]);
        return inserted as Row;
      });
      return toVersion(row);
    },
    async listVersions(featureId) {
      return (
        await all(
          pool,
          'SELECT feature_id, version, author, note, created_at, rolled_back_from FROM versions WHERE feature_id = $1 ORDER BY version DESC',
          [featureId],
        )
      ).map(toVersionSummary);
    },
    async getVersion(featureId, version) {
      const row = await one(pool, 'SELECT * FROM versions WHERE feature_id = $1 AND version = $2', [
        featureId,
        version,
      ]);
      return row ? toVersion(row) : null;
    },
    async getPublished(featureId) {
      const row = await one(
        pool,
        'SELECT v.* FROM versions v JOIN features f ON f.id = v.feature_id AND f.published_version = v.version WHERE f.id = $1',
        [featureId],
      );
      return row ? toVersion(row) : null;
    },
    async listPublished() {
      return (
        await all(
          pool,
          'SELECT v.* FROM versions v JOIN features f ON f.id = v.feature_id AND f.published_version = v.version ORDER BY v.feature_id',
        )
      ).map(toVersion);
    },
    async getChangeSeq() {
      return Number((await one(pool, 'SELECT coalesce(max(seq), 0) AS s FROM changes'))?.s ?? 0);
    },
    onChange(l) {
      listeners.add(l);
      void listen().catch(() => undefined);
      return () => listeners.delete(l);
    },
    async listSuites(featureId) {
      return (await all(pool, 'SELECT * FROM suites WHERE feature_id = $1 ORDER BY name', [featureId])).map(toSuite);
    },
    async getSuite(id) {
      const row = await one(pool, 'SELECT * FROM suites WHERE id = $1', [id]);
      return row ? toSuite(row) : null;
    },
    async putSuite(s) {
      await feature(pool, s.featureId);
      const now = new Date();
      const row = await one(
        pool,
        'INSERT INTO suites (id, feature_id, name, cases, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, cases = excluded.cases, updated_at = excluded.updated_at RETURNING *',
        [s.id, s.featureId, s.name, j(s.cases), now],
      );
      return toSuite(row as Row);
    },
    async deleteSuite(id) {
      return ((await pool.query('DELETE FROM suites WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async appendDecisionLog(e) {
      await pool.query(
        'INSERT INTO decision_log (feature_id, version, at, input, decision, path) VALUES ($1, $2, $3, $4, $5, $6)',
        [e.featureId, e.version, e.at, j(e.input), e.decision, j(e.path)],
      );
    },
    async listDecisionLog(featureId, options) {
      return (
        await all(pool, 'SELECT * FROM decision_log WHERE feature_id = $1 ORDER BY id DESC LIMIT $2', [
          featureId,
          options?.limit ?? 1000,
        ])
      ).map(toLogEntry);
    },
    async trimDecisionLog(featureId, maxRows) {
      await pool.query(
        'DELETE FROM decision_log WHERE feature_id = $1 AND id <= coalesce((SELECT id FROM decision_log WHERE feature_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1), -1)',
        [featureId, maxRows],
      );
    },
    async consumeMeter(req) {
      const row = await one(pool, 'SELECT * FROM claimflow_consume_meter($1, $2, $3, $4, $5, $6, $7)', [
        req.tracker,
        req.visitor,
        req.windowStart,
        req.now,
        req.allowance,
        req.contentId,
        req.counting === 'uniqueContent',
      ]);
      return { allowed: row?.allowed === true, used: Number(row?.used ?? 0), counted: row?.counted === true };
    },
    async peekMeter(req) {
      const state = await meterState(pool, req);
      return { allowed: state.already || state.used < req.allowance, used: state.used };
    },
    async pruneMeters(olderThan) {
      await pool.query('DELETE FROM meter_uses WHERE at < $1', [olderThan]);
    },
    async ready() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      listeners.clear();
      if (listener) await listener.end().catch(() => undefined);
      await pool.end();
    },
  };
  return store;
}

async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const done = new Set(
      (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
    );
    for (let i = 0; i < MIGRATIONS.length; i++) {
      if (done.has(i + 1)) continue;
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[i]);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [i + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
