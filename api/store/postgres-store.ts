/**
 * The PostgreSQL store, for several instances sharing state.
 * - Publishing is one transaction: row lock on the feature (concurrent publishes of one feature queue up), next
 *   number, insert of the immutable version, pointer update, change row, NOTIFY on `claimflow_changes` (delivered to
 *   the other instances at commit, never for a rolled-back publish). The change row is numbered under a global
 *   transaction-scoped advisory lock, so change numbers commit in order and `changesSince` is a gap-free cursor.
 * - Trial meter uses are group-committed: the uses gathered within a millisecond (or a few dozen) are counted by one
 *   SQL function call taking arrays, in one transaction and one commit: `pg_advisory_xact_lock` on every (tracker,
 *   visitor) of the batch in sorted order (no deadlock between concurrent batches of any instance), then count and
 *   insert per use in request order. Each caller is answered after the commit; a failed batch rejects every caller.
 * - The entitlement tree and the catalogue are checked under table locks inside their write transactions.
 * - Catalogue references: deleting a product locks its row (FOR UPDATE) before looking for users; publishing and
 *   saving a draft lock the rows of the products the graph names (FOR SHARE), so one waits for the other and a
 *   publish can never commit a version naming a product deleted meanwhile. Deleting an entitlement holds the
 *   entitlement table lock that feature writes take (SHARE) before checking their customer entitlements.
 * - Migrations run at open under a session advisory lock (several instances may start at once).
 */
import pg from 'pg';
import { ClaimflowError } from '../../engine/errors/catalogue';
import { guardStore, isUnavailable, unavailable } from './lib/guard';
import {
  auditValues,
  canonicalInstant,
  changeEvent,
  emit,
  parseChangeNotification,
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
import { POSTGRES_MIGRATIONS } from './migrations/postgres';
import {
  checkCustomerEntitlements,
  checkEntitlementParent,
  checkGraphProducts,
  checkProductEntitlements,
  entitlementInUse,
  type MeterState,
  meterPeek,
  normalizeEmail,
  productInUse,
  productReferences,
  productUsers,
  repeatContent,
} from './rules';
import type { AuditDraft, ChangeEvent, MeterRequest, MeterResult, Store } from './store';

export const CHANGES_CHANNEL = 'claimflow_changes';
const MIGRATION_LOCK = 727_100_001;
const CHANGES_LOCK = 727_100_002;
/** The LISTEN connection's application_name (visible in pg_stat_activity). */
export const LISTEN_APPLICATION_NAME = 'claimflow-listen';

type Row = Record<string, unknown>;
type Q = pg.Pool | pg.PoolClient | pg.Client;

export interface PostgresStoreOptions {
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Group commit of meter uses: most uses per batch (default 64) and longest wait for companions (ms, default 1). */
  meterBatch?: { maxBatch?: number; maxWaitMs?: number; maxInFlight?: number };
  /**
   * Open the LISTEN connection at open (default true), so every publish committed after `openPostgresStore` resolves
   * reaches `onChange` listeners. With false it opens on the first `onChange`.
   */
  listen?: boolean;
  /** How long to wait for a connection before CF_STORE_UNAVAILABLE (ms, default 10 000). */
  connectTimeoutMs?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 10_000;
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, connectionTimeoutMillis });
  pool.on('error', () => {
    // an idle client lost its connection (server restart); the pool replaces it on next use
  });
  // Every pooled connection always has an 'error' listener: a FATAL (pg_terminate_backend, server shutdown) can arrive
  // while a client is checked out between two queries, and an unheard 'error' would end the process. Such a client
  // is no longer queryable, so the pool discards it when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable(error, 'postgres');
  }

  const j = (v: unknown) => JSON.stringify(v ?? null);
  const one = async (q: Q, sql: string, params: unknown[] = []) =>
    ((await q.query(sql, params)).rows[0] as Row | undefined) ?? null;
  const all = async (q: Q, sql: string, params: unknown[] = []) => (await q.query(sql, params)).rows as Row[];
  const maxSeq = async (q: Q) => Number((await one(q, 'SELECT coalesce(max(seq), 0) AS s FROM changes'))?.s ?? 0);
  const changesSince = async (q: Q, seq: number, limit: number) =>
    (await all(q, 'SELECT * FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2', [seq, limit])).map(toChange);

  // ---- change notifications: one LISTEN connection, reconnected with catch-up from the last change heard ----
  const listeners = new Set<(e: ChangeEvent) => void>();
  let closed = false;
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let lastSeq = -1; // highest change number delivered (-1: not listening yet)
  let queue: Array<{ seq: number; event: ChangeEvent }> | null = null; // notifications held during catch-up
  let retryDelay = 250;

  const deliver = (seq: number, event: ChangeEvent) => {
    if (seq <= lastSeq) return;
    lastSeq = seq;
    emit(listeners, event);
  };
  const reconnectLater = () => {
    if (closed) return;
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, 5000);
    setTimeout(() => void connectListener(), delay).unref();
  };
  const connectListener = (): Promise<void> => {
    if (closed || client) return Promise.resolve();
    connecting ??= (async () => {
      const c = new pg.Client({
        connectionString: options.url,
        connectionTimeoutMillis,
        application_name: LISTEN_APPLICATION_NAME,
      });
      const drop = () => {
        if (client !== c) return;
        client = null;
        c.end().catch(() => undefined);
        reconnectLater();
      };
      c.on('notification', (msg) => {
        if (msg.channel !== CHANGES_CHANNEL) return;
        const parsed = parseChangeNotification(msg.payload);
        if (!parsed) return;
        if (queue) queue.push(parsed);
        else deliver(parsed.seq, parsed.event);
      });
      c.on('error', drop);
      c.on('end', drop);
      try {
        await c.connect();
        client = c;
        queue = [];
        await c.query(`LISTEN ${CHANGES_CHANNEL}`);
        if (lastSeq < 0) lastSeq = await maxSeq(c);
        else for (const ch of await changesSince(c, lastSeq, 100_000)) deliver(ch.seq, ch);
        const held = queue;
        queue = null;
        for (const n of held) deliver(n.seq, n.event);
        retryDelay = 250;
      } catch {
        queue = null;
        if (client === c) client = null;
        c.end().catch(() => undefined);
        reconnectLater();
      }
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };
  if (options.listen !== false) await connectListener();

  /**
   * One transaction on a checked-out client. While checked out, a client whose connection dies (server restart,
   * pg_terminate_backend) emits 'error' outside any query: it is listened for here (an unheard 'error' would end
   * the process), and a client that failed is destroyed on release instead of going back to the pool.
   */
  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (error) {
      if (!broken && isUnavailable(error)) broken = error as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (!broken) c.off('error', onError); // a broken client keeps the listener until the pool has destroyed it
      c.release(broken);
    }
  };

  const writeAudit = async <R>(q: Q, draft: AuditDraft<R>, result: R) => {
    const v = auditValues(draft, result);
    await q.query(
      'INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, target, before, after) VALUES (now(), $1, $2, $3, $4, $5, $6, $7)',
      [v.actorType, v.actorId, v.actorName, v.action, v.target, v.before, v.after],
    );
  };
  /** A transaction whose audit entry (when given) is written in it, just before COMMIT. */
  const atx = <R>(audit: AuditDraft<R> | undefined, fn: (c: pg.PoolClient) => Promise<R>): Promise<R> =>
    tx(async (c) => {
      const result = await fn(c);
      if (audit) await writeAudit(c, audit, result);
      return result;
    });
  /** One statement on the pool, or, with an audit draft, a transaction holding the statement and the entry. */
  const run = <R>(audit: AuditDraft<R> | undefined, fn: (q: Q) => Promise<R>): Promise<R> =>
    audit ? atx(audit, fn) : fn(pool);
  const userOr404 = async (q: Q, id: string) => {
    const row = await one(q, 'SELECT * FROM users WHERE id = $1', [id]);
    if (!row) throw new ClaimflowError('CF_USER_NOT_FOUND', `no user "${id}"`, { field: 'id' });
    return toUser(row);
  };

  /** Appends to the change feed and notifies every instance (delivered at commit). */
  const recordChange = async (c: Q, e: ChangeEvent) => {
    // Held to commit: change numbers are taken and committed in one order, so `changesSince` never skips one.
    await c.query('SELECT pg_advisory_xact_lock($1)', [CHANGES_LOCK]);
    const change = await one(
      c,
      'INSERT INTO changes (feature_id, version, environment, kind) VALUES ($1, $2, $3, $4) RETURNING seq',
      [e.featureId, e.version, e.environment ?? null, e.kind ?? null],
    );
    await c.query('SELECT pg_notify($1, $2)', [
      CHANGES_CHANNEL,
      JSON.stringify({ ...changeEvent(e), seq: Number(change?.seq) }),
    ]);
  };
  const setEnvironmentVersion = (c: Q, featureId: string, environment: string, version: number, at: Date) =>
    c.query(
      `INSERT INTO environment_versions (feature_id, environment, version, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (feature_id, environment) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
      [featureId, environment, version, at],
    );

  const feature = async (q: Q, id: string, lock: '' | ' FOR UPDATE' | ' FOR SHARE' = '') => {
    const row = await one(q, `SELECT * FROM features WHERE id = $1${lock}`, [id]);
    if (!row) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
    return toFeature(row);
  };

  const knownEntitlements = async (q: Q, ids: readonly string[]) =>
    new Set((await all(q, 'SELECT id FROM entitlements WHERE id = ANY($1::text[])', [ids])).map((r) => String(r.id)));

  /** Uses in the window and whether this use repeats content counted in it (the meter rule's input), one snapshot. */
  const meterState = async (q: Q, req: MeterRequest): Promise<MeterState> => {
    const row = await one(
      q,
      'SELECT count(*) AS n, coalesce(bool_or($4::text IS NOT NULL AND content_id = $4), false) AS hit FROM meter_uses WHERE tracker = $1 AND visitor = $2 AND at >= $3',
      [req.tracker, req.visitor, req.windowStart, repeatContent(req)],
    );
    return { used: Number(row?.n ?? 0), repeat: row?.hit === true };
  };

  // The meter rule (rules/meters.ts) runs inside claimflow_consume_meters: the whole batch is one call and one commit.
  const meterBatches = groupCommit<MeterRequest, MeterResult>({
    ...options.meterBatch,
    write: async (batch) => {
      const rows = await all(pool, 'SELECT * FROM claimflow_consume_meters($1, $2, $3, $4, $5, $6, $7, $8)', [
        batch.map((r) => r.tracker),
        batch.map((r) => r.visitor),
        batch.map((r) => r.windowStart),
        batch.map((r) => r.now),
        batch.map((r) => r.allowance),
        batch.map((r) => r.contentId),
        batch.map((r) => repeatContent(r) !== null), // may this use be a repeat
        batch.map((r) => r.expiresAt ?? null),
      ]);
      const out: MeterResult[] = new Array(batch.length);
      for (const row of rows)
        out[Number(row.idx) - 1] = {
          allowed: row.allowed === true,
          used: Number(row.used),
          counted: row.counted === true,
        };
      return out;
    },
  });

  const store: Store = {
    kind: 'postgres',
    async getSetting(key) {
      const row = await one(pool, 'SELECT value FROM settings WHERE key = $1', [key]);
      return row ? (row.value as unknown) : null;
    },
    async putSetting(key, value, audit) {
      await run(audit, async (q) => {
        await q.query(
          'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
          [key, j(value)],
        );
      });
    },
    async listEntitlements() {
      return (await all(pool, 'SELECT * FROM entitlements ORDER BY id')).map(toEntitlement);
    },
    async getEntitlement(id) {
      const row = await one(pool, 'SELECT * FROM entitlements WHERE id = $1', [id]);
      return row ? toEntitlement(row) : null;
    },
    async putEntitlement(e, audit) {
      return atx(audit, async (c) => {
        // Self-conflicting: tree changes are serialized, so two concurrent puts cannot close a loop between them.
        await c.query('LOCK TABLE entitlements IN SHARE ROW EXCLUSIVE MODE');
        const parents = new Map<string, string | null>();
        for (const r of await all(c, 'SELECT id, parent_id FROM entitlements'))
          parents.set(String(r.id), r.parent_id == null ? null : String(r.parent_id));
        checkEntitlementParent(e.id, e.parentId, parents);
        await c.query(
          'INSERT INTO entitlements (id, name, parent_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id',
          [e.id, e.name, e.parentId],
        );
        return { id: e.id, name: e.name, parentId: e.parentId };
      });
    },
    async deleteEntitlement(id, audit) {
      return atx(audit, async (c) => {
        await c.query('LOCK TABLE entitlements IN SHARE ROW EXCLUSIVE MODE');
        await c.query('LOCK TABLE products IN SHARE MODE'); // no product can start granting it meanwhile
        // Feature writes take SHARE on entitlements, so none can start naming it meanwhile.
        const ids = async (sql: string) => (await all(c, sql, [id])).map((r) => String(r.id));
        const inUse = entitlementInUse(id, {
          children: await ids('SELECT id FROM entitlements WHERE parent_id = $1 ORDER BY id'),
          products: await ids('SELECT id FROM products WHERE entitlement_ids ? $1 ORDER BY id'),
          features: await ids('SELECT id FROM features WHERE customer_entitlements ? $1 ORDER BY id'),
        });
        if (inUse) throw inUse;
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
    async putProduct(p, audit) {
      return atx(audit, async (c) => {
        await c.query('LOCK TABLE entitlements IN SHARE MODE'); // no entitlement can be deleted meanwhile
        const known = new Set(
          (await all(c, 'SELECT id FROM entitlements WHERE id = ANY($1::text[])', [p.entitlementIds])).map((r) =>
            String(r.id),
          ),
        );
        checkProductEntitlements(p.entitlementIds, (id) => known.has(id));
        await c.query(
          'INSERT INTO products (id, name, claim_values, entitlement_ids) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET name = excluded.name, claim_values = excluded.claim_values, entitlement_ids = excluded.entitlement_ids',
          [p.id, p.name, j(p.claimValues), j(p.entitlementIds)],
        );
        return { id: p.id, name: p.name, claimValues: [...p.claimValues], entitlementIds: [...p.entitlementIds] };
      });
    },
    async deleteProduct(id, audit) {
      return atx(audit, async (c) => {
        // The row lock first: a publish naming this product either committed before (and is found below) or waits.
        if (!(await one(c, 'SELECT id FROM products WHERE id = $1 FOR UPDATE', [id]))) return false;
        const rows = await all(
          c,
          // A cheap superset (the id as a JSON string anywhere in the graph), checked exactly below.
          `SELECT f.id, f.draft, f.published_version, v.graph FROM features f
           LEFT JOIN versions v ON v.feature_id = f.id AND v.version = f.published_version
           WHERE strpos(f.draft::text, $1) > 0 OR strpos(v.graph::text, $1) > 0 ORDER BY f.id`,
          [JSON.stringify(id)],
        );
        const users = productUsers(
          id,
          rows.map((r) => ({
            id: String(r.id),
            draft: r.draft,
            publishedVersion: r.published_version == null ? null : Number(r.published_version),
            publishedGraph: r.graph ?? null,
          })),
          (
            await all(
              c,
              `SELECT ev.feature_id, ev.version, v.graph FROM environment_versions ev
               JOIN versions v ON v.feature_id = ev.feature_id AND v.version = ev.version WHERE strpos(v.graph::text, $1) > 0`,
              [JSON.stringify(id)],
            )
          ).map((r) => ({ featureId: String(r.feature_id), version: Number(r.version), graph: r.graph })),
        );
        if (users.length > 0) throw productInUse(id, users);
        return ((await c.query('DELETE FROM products WHERE id = $1', [id])).rowCount ?? 0) > 0;
      });
    },
    async listFeatures() {
      return (await all(pool, 'SELECT * FROM features ORDER BY id')).map(toFeature);
    },
    async getFeature(id) {
      const row = await one(pool, 'SELECT * FROM features WHERE id = $1', [id]);
      return row ? toFeature(row) : null;
    },
    async createFeature(f, audit) {
      return atx(audit, async (c) => {
        await c.query('LOCK TABLE entitlements IN SHARE MODE'); // no entitlement can be deleted meanwhile
        const known = await knownEntitlements(c, f.customerEntitlements);
        checkCustomerEntitlements(f.customerEntitlements, (e) => known.has(e));
        const row = await one(
          c,
          `INSERT INTO features (id, name, customer_entitlements, draft, draft_updated_at, settings, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, '{}', $5, $5) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [f.id, f.name, j(f.customerEntitlements), j(f.draft), new Date()],
        );
        if (!row) throw new ClaimflowError('CF_FEATURE_EXISTS', `a feature "${f.id}" exists`, { field: 'id' });
        return toFeature(row);
      });
    },
    async updateFeature(id, patch, audit) {
      return atx(audit, async (c) => {
        const cur = await feature(c, id, ' FOR UPDATE');
        if (patch.customerEntitlements) {
          await c.query('LOCK TABLE entitlements IN SHARE MODE'); // no entitlement can be deleted meanwhile
          const known = await knownEntitlements(c, patch.customerEntitlements);
          checkCustomerEntitlements(patch.customerEntitlements, (e) => known.has(e));
        }
        const row = await one(
          c,
          'UPDATE features SET name = $1, customer_entitlements = $2, settings = $3, updated_at = $4 WHERE id = $5 RETURNING *',
          [
            patch.name ?? cur.name,
            j(patch.customerEntitlements ?? cur.customerEntitlements),
            j(patch.settings ? { ...cur.settings, ...patch.settings } : cur.settings),
            new Date(),
            id,
          ],
        );
        return toFeature(row as Row);
      });
    },
    async saveDraft(id, graph, audit) {
      const now = new Date();
      const refs = [...new Set(productReferences(graph).map((r) => r.productId))];
      const save = (q: Q) =>
        one(q, 'UPDATE features SET draft = $1, draft_updated_at = $2, updated_at = $2 WHERE id = $3 RETURNING *', [
          j(graph),
          now,
          id,
        ]);
      // A draft may name unknown products (validation reports them), but a product it names is not deleted under it.
      const saved = async (q: Q) => {
        const row = await save(q);
        if (!row) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
        return toFeature(row);
      };
      return refs.length === 0 && !audit
        ? saved(pool)
        : atx(audit, async (c) => {
            if (refs.length > 0) await c.query('SELECT id FROM products WHERE id = ANY($1::text[]) FOR SHARE', [refs]);
            return saved(c);
          });
    },
    async deleteFeature(id, audit) {
      return run(audit, async (q) => ((await q.query('DELETE FROM features WHERE id = $1', [id])).rowCount ?? 0) > 0);
    },
    async publishVersion(featureId, v, audit) {
      return atx(audit, async (c) => {
        await feature(c, featureId, ' FOR UPDATE');
        const refs = [...new Set(productReferences(v.graph).map((r) => r.productId))];
        if (refs.length > 0) {
          const held = await all(c, 'SELECT id FROM products WHERE id = ANY($1::text[]) FOR SHARE', [refs]);
          const known = new Set(held.map((r) => String(r.id)));
          checkGraphProducts(v.graph, (p) => known.has(p));
        }
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
        if (v.environment === undefined)
          await c.query('UPDATE features SET published_version = $1, updated_at = $2 WHERE id = $3', [
            next,
            now,
            featureId,
          ]);
        else await setEnvironmentVersion(c, featureId, v.environment, next, now);
        await recordChange(c, { featureId, version: next, environment: v.environment });
        return toVersion(inserted as Row);
      });
    },
    async setLive(featureId, environment, version, audit) {
      return atx(audit, async (c) => {
        await feature(c, featureId, ' FOR UPDATE');
        const row = await one(c, 'SELECT graph FROM versions WHERE feature_id = $1 AND version = $2', [
          featureId,
          version,
        ]);
        if (!row)
          throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${featureId}" has no version ${version}`, {
            field: 'version',
          });
        const refs = [...new Set(productReferences(row.graph).map((r) => r.productId))];
        if (refs.length > 0) {
          const held = await all(c, 'SELECT id FROM products WHERE id = ANY($1::text[]) FOR SHARE', [refs]);
          const known = new Set(held.map((r) => String(r.id)));
          checkGraphProducts(row.graph, (p) => known.has(p));
        }
        const now = new Date();
        if (environment === undefined)
          await c.query('UPDATE features SET published_version = $1, updated_at = $2 WHERE id = $3', [
            version,
            now,
            featureId,
          ]);
        else await setEnvironmentVersion(c, featureId, environment, version, now);
        await recordChange(c, { featureId, version, environment });
        return { featureId, environment: environment ?? '', version };
      });
    },
    async listLive(featureId) {
      const rows =
        featureId === undefined
          ? await all(pool, 'SELECT * FROM environment_versions ORDER BY feature_id, environment')
          : await all(pool, 'SELECT * FROM environment_versions WHERE feature_id = $1 ORDER BY environment', [
              featureId,
            ]);
      return rows.map(toLiveRow);
    },
    async listSiteKeys() {
      return (await all(pool, 'SELECT * FROM site_keys ORDER BY created_at, id')).map(toSiteKey);
    },
    async createSiteKey(k, audit) {
      return atx(audit, async (c) => {
        const row = await one(
          c,
          'INSERT INTO site_keys (id, key, name, environment, origins, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
          [k.id, k.key, k.name, k.environment, j(k.origins), k.createdBy, new Date(k.createdAt)],
        );
        await recordChange(c, { featureId: '', version: 0, kind: 'siteKeys' });
        return toSiteKey(row as Row);
      });
    },
    async revokeSiteKey(id, audit) {
      return atx(audit, async (c) => {
        const done =
          ((await c.query('UPDATE site_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]))
            .rowCount ?? 0) > 0;
        if (done) await recordChange(c, { featureId: '', version: 0, kind: 'siteKeys' });
        return done;
      });
    },
    async createChangeRequest(cr, audit) {
      return atx(audit, async (c) => {
        const { id, featureId, environment, status, createdAt, updatedAt, ...data } = cr;
        await feature(c, featureId, ' FOR SHARE');
        await c.query(
          'INSERT INTO change_requests (id, feature_id, environment, status, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [id, featureId, environment, status, j(data), new Date(createdAt), new Date(updatedAt)],
        );
        return cr;
      });
    },
    async getChangeRequest(id) {
      const row = await one(pool, 'SELECT * FROM change_requests WHERE id = $1', [id]);
      return row ? toChangeRequest(row) : null;
    },
    async listChangeRequests(query = {}) {
      const rows = await all(
        pool,
        `SELECT * FROM change_requests WHERE ($1::text IS NULL OR feature_id = $1) AND ($2::text IS NULL OR environment = $2)
         AND ($3::text IS NULL OR status = $3) ORDER BY created_at DESC, id`,
        [query.featureId ?? null, query.environment ?? null, query.status ?? null],
      );
      return rows.map(toChangeRequest);
    },
    async updateChangeRequest(id, change, audit) {
      return atx(audit, async (c) => {
        const row = await one(c, 'SELECT * FROM change_requests WHERE id = $1 FOR UPDATE', [id]);
        if (!row) throw new ClaimflowError('CF_CHANGE_REQUEST_NOT_FOUND', `no change request "${id}"`, { field: 'id' });
        const next = { ...change(toChangeRequest(row)), updatedAt: new Date().toISOString() };
        const { id: _id, featureId, environment, status, createdAt, updatedAt, ...data } = next;
        await c.query('UPDATE change_requests SET status = $1, data = $2, updated_at = $3 WHERE id = $4', [
          status,
          j(data),
          new Date(updatedAt),
          id,
        ]);
        return next;
      });
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
      return maxSeq(pool);
    },
    async changesSince(seq, limit = 1000) {
      return changesSince(pool, seq, limit);
    },
    onChange(listener) {
      listeners.add(listener);
      void connectListener();
      return () => {
        listeners.delete(listener);
      };
    },
    async listSuites(featureId) {
      return (await all(pool, 'SELECT * FROM suites WHERE feature_id = $1 ORDER BY name, id', [featureId])).map(
        toSuite,
      );
    },
    async getSuite(id) {
      const row = await one(pool, 'SELECT * FROM suites WHERE id = $1', [id]);
      return row ? toSuite(row) : null;
    },
    async putSuite(s, audit) {
      return atx(audit, async (c) => {
        await feature(c, s.featureId, ' FOR SHARE');
        const now = new Date();
        const row = await one(
          c,
          'INSERT INTO suites (id, feature_id, name, cases, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, cases = excluded.cases, updated_at = excluded.updated_at RETURNING *',
          [s.id, s.featureId, s.name, j(s.cases), now],
        );
        return toSuite(row as Row);
      });
    },
    async deleteSuite(id, audit) {
      return run(audit, async (q) => ((await q.query('DELETE FROM suites WHERE id = $1', [id])).rowCount ?? 0) > 0);
    },
    async listUsers() {
      return (await all(pool, 'SELECT * FROM users ORDER BY email')).map(toUser);
    },
    async getUser(id) {
      const row = await one(pool, 'SELECT * FROM users WHERE id = $1', [id]);
      return row ? toUser(row) : null;
    },
    async getUserByEmail(email) {
      const row = await one(pool, 'SELECT * FROM users WHERE email = $1', [normalizeEmail(email)]);
      return row ? toUser(row) : null;
    },
    async getUserBySubject(subject) {
      const row = await one(pool, 'SELECT * FROM users WHERE subject = $1', [subject]);
      return row ? toUser(row) : null;
    },
    async getPasswordHash(userId) {
      const row = await one(pool, 'SELECT password_hash FROM users WHERE id = $1', [userId]);
      return row?.password_hash == null ? null : String(row.password_hash);
    },
    async createUser(u, audit) {
      return run(audit, async (q) => {
        const row = await one(
          q,
          `INSERT INTO users (id, email, name, role, password_hash, subject, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, now(), now()) ON CONFLICT DO NOTHING RETURNING *`,
          [u.id, normalizeEmail(u.email), u.name, u.role, u.passwordHash, u.subject],
        );
        if (!row)
          throw new ClaimflowError('CF_USER_EXISTS', `a user with the email "${u.email}" exists`, { field: 'email' });
        return toUser(row);
      });
    },
    async updateUser(id, patch, audit) {
      return atx(audit, async (c) => {
        const cur = await one(c, 'SELECT * FROM users WHERE id = $1 FOR UPDATE', [id]);
        if (!cur) throw new ClaimflowError('CF_USER_NOT_FOUND', `no user "${id}"`, { field: 'id' });
        await c.query('UPDATE users SET name = $1, role = $2, password_hash = $3, updated_at = now() WHERE id = $4', [
          patch.name ?? cur.name,
          patch.role ?? cur.role,
          patch.passwordHash ?? cur.password_hash ?? null,
          id,
        ]);
        if (patch.passwordHash !== undefined) await c.query('DELETE FROM sessions WHERE user_id = $1', [id]);
        return userOr404(c, id);
      });
    },
    async deleteUser(id, audit) {
      return run(audit, async (q) => ((await q.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0);
    },
    async createSession(session) {
      await pool.query('DELETE FROM sessions WHERE expires_at <= now()');
      await pool.query('INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
        session.idHash,
        session.userId,
        session.createdAt,
        session.expiresAt,
      ]);
    },
    async getSession(idHash, at = new Date()) {
      const row = await one(
        pool,
        `SELECT s.id_hash, s.user_id, s.created_at, s.expires_at, row_to_json(u.*) AS u
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2`,
        [idHash, at],
      );
      return row ? { session: toSession(row), user: toUser(row.u as Row) } : null;
    },
    async extendSession(idHash, expiresAt, at = new Date()) {
      const res = await pool.query(
        'UPDATE sessions SET expires_at = $1 WHERE id_hash = $2 AND expires_at > $3 AND expires_at < $1',
        [expiresAt, idHash, at],
      );
      return (res.rowCount ?? 0) > 0;
    },
    async deleteSession(idHash, audit) {
      return run(
        audit,
        async (q) => ((await q.query('DELETE FROM sessions WHERE id_hash = $1', [idHash])).rowCount ?? 0) > 0,
      );
    },
    async createApiToken(t, audit) {
      return run(audit, async (q) => {
        const row = await one(
          q,
          'INSERT INTO api_tokens (id, name, role, hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
          [t.id, t.name, t.role, t.hash, t.createdBy, t.createdAt, t.expiresAt],
        );
        return toApiToken(row as Row);
      });
    },
    async listApiTokens() {
      return (await all(pool, 'SELECT * FROM api_tokens ORDER BY created_at DESC, id')).map(toApiToken);
    },
    async touchApiToken(hash, at = new Date()) {
      const row = await one(
        pool,
        `UPDATE api_tokens SET last_used_at = $2 WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
         RETURNING *`,
        [hash, at],
      );
      return row ? toApiToken(row) : null;
    },
    async revokeApiToken(id, audit) {
      return run(
        audit,
        async (q) =>
          ((await q.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]))
            .rowCount ?? 0) > 0,
      );
    },
    async appendAudit(entry) {
      await writeAudit(pool, entry, undefined);
    },
    async listAudit(query = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (query.actor !== undefined) where.push(`(actor_id = ${p(query.actor)} OR actor_name = ${p(query.actor)})`);
      if (query.target !== undefined) {
        if (query.target.endsWith('*')) {
          const prefix = query.target.slice(0, -1);
          where.push(`left(target, ${p(prefix.length)}) = ${p(prefix)}`);
        } else where.push(`target = ${p(query.target)}`);
      }
      if (query.action !== undefined) where.push(`action = ${p(query.action)}`);
      if (query.from !== undefined) where.push(`at >= ${p(canonicalInstant(query.from))}::timestamptz`);
      if (query.to !== undefined) where.push(`at <= ${p(canonicalInstant(query.to))}::timestamptz`);
      if (query.before !== undefined) where.push(`id < ${p(query.before)}`);
      const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(query.limit ?? 100)}`;
      return (await all(pool, sql, params)).map(toAuditEntry);
    },
    async appendDecisionLog(e) {
      await pool.query(
        'INSERT INTO decision_log (feature_id, version, at, input, decision, path) VALUES ($1, $2, $3, $4, $5, $6)',
        [e.featureId, e.version, e.at, j(e.input), e.decision, j(e.path)],
      );
    },
    async listDecisionLog(featureId, options) {
      return (
        await all(
          pool,
          'SELECT * FROM decision_log WHERE feature_id = $1 AND ($3::timestamptz IS NULL OR at >= $3::timestamptz) ORDER BY id DESC LIMIT $2',
          [featureId, options?.limit ?? 1000, options?.since ?? null],
        )
      ).map(toLogEntry);
    },
    async trimDecisionLog(featureId, maxRows) {
      await pool.query(
        'DELETE FROM decision_log WHERE feature_id = $1 AND id <= coalesce((SELECT id FROM decision_log WHERE feature_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1), -1)',
        [featureId, Math.max(0, Math.floor(maxRows))],
      );
    },
    async consumeMeter(req) {
      if (closed) throw new Error('Cannot use a pool after calling end on the pool');
      return meterBatches.submit(req);
    },
    meterBatchStats: () => meterBatches.stats(),
    async peekMeter(req) {
      return meterPeek(await meterState(pool, req), req.allowance);
    },
    async pruneMeters(now, leaseMs) {
      if (leaseMs !== undefined) {
        // The lease row: the first instance of the group to move it prunes; the others skip until it expires.
        const won = await pool.query(
          'UPDATE meter_prune_lease SET pruned_at = $1 WHERE id = 1 AND (pruned_at = 0 OR pruned_at <= $2)',
          [now, now - leaseMs],
        );
        if ((won.rowCount ?? 0) === 0) return null;
      }
      // In slices, so no transaction holds many row locks or runs long next to the metered writes.
      let removed = 0;
      for (;;) {
        const r = await pool.query(
          'DELETE FROM meter_uses WHERE ctid = ANY(ARRAY(SELECT ctid FROM meter_uses WHERE expires_at <= $1 LIMIT 5000))',
          [now],
        );
        removed += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) < 5000) return removed;
      }
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
      if (closed) return;
      closed = true;
      listeners.clear();
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
  return guardStore(store);
}

/** Applies the pending migrations under a session advisory lock, each in its own transaction. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)',
    );
    const done = new Set(
      (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
    );
    for (let i = 0; i < POSTGRES_MIGRATIONS.length; i++) {
      if (done.has(i + 1)) continue;
      await client.query('BEGIN');
      try {
        await client.query(POSTGRES_MIGRATIONS[i]);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())', [i + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    if (!broken) client.off('error', onError);
    client.release(broken);
  }
}
