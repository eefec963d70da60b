/**
 * Storage of the release flow (part B): webhooks, their delivery queue, scheduled changes. Rows are claimed with one
 * conditional UPDATE ... RETURNING (PostgreSQL: over rows picked FOR UPDATE SKIP LOCKED), so with several instances on
 * one database each delivery attempt and each scheduled change belongs to exactly one instance; a claim holds a lease
 * and a row whose lease ran out (its instance died) can be claimed again. Admin writes append their audit entry in the
 * same transaction.
 */
import { ClaimflowError } from '../../../engine/errors/catalogue';
import type { Schedule } from '../../contract/schedules';
import type { Delivery, Webhook } from '../../contract/webhooks';
import { auditValues } from '../lib/rows';
import type { Actor, AuditDraft } from '../store';
import { type Db, openReleaseDb, type Row, type Step, sql } from './sql';

export interface StoredWebhook extends Webhook {
  secret: string;
}

export interface NewSchedule {
  id: string;
  featureId: string;
  environment: string;
  action: Schedule['action'];
  version: number | null;
  snapshot: unknown | null;
  fromEnvironment: string | null;
  runAt: number;
  timeZone: string;
  localTime: string;
  note: string;
  createdBy: Actor;
  /** The approved change request this schedule makes live (its go-live time); absent: a plain scheduled change. */
  changeRequestId?: string | null;
}

/** A claimed schedule, with the draft captured when it was created. */
export interface ClaimedSchedule extends Schedule {
  snapshot: unknown | null;
  runAtMs: number;
}

const parseJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toWebhook = (r: Row): StoredWebhook => ({
  id: String(r.id),
  name: String(r.name),
  url: String(r.url),
  events: parseJson(r.events) as string[],
  enabled: r.enabled === true || r.enabled === 1,
  secret: String(r.secret),
  createdAt: iso(r.created_at) as string,
  updatedAt: iso(r.updated_at) as string,
});

const toDelivery = (r: Row): Delivery => {
  const status = String(r.status) as Delivery['status'];
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    event: String(r.event),
    status,
    attempts: Number(r.attempts),
    nextAttemptAt: status === 'pending' ? new Date(Number(r.next_attempt_at)).toISOString() : null,
    createdAt: iso(r.created_at) as string,
    finishedAt: iso(r.finished_at),
    log: parseJson(r.log) as Delivery['log'],
    body: String(r.body),
  };
};

const toSchedule = (r: Row): ClaimedSchedule => {
  const result = r.result === null || r.result === undefined ? null : parseJson(r.result);
  return {
    id: String(r.id),
    featureId: String(r.feature_id),
    environment: String(r.environment),
    action: String(r.action) as Schedule['action'],
    version: num(r.version),
    hasSnapshot: r.snapshot !== null && r.snapshot !== undefined,
    snapshot: r.snapshot === null || r.snapshot === undefined ? null : parseJson(r.snapshot),
    fromEnvironment: (r.from_environment as string | null) ?? null,
    runAt: new Date(Number(r.run_at)).toISOString(),
    runAtMs: Number(r.run_at),
    timeZone: String(r.time_zone),
    localTime: String(r.local_time),
    note: String(r.note),
    status: String(r.status) as Schedule['status'],
    createdBy: parseJson(r.created_by) as Actor,
    createdAt: iso(r.created_at) as string,
    ranAt: iso(r.ran_at),
    lateByMs: num(r.late_ms),
    late: (result as { late?: boolean } | null)?.late === true,
    result,
    error: (r.error as string | null) ?? null,
    changeRequestId: (r.change_request_id as string | null | undefined) ?? null,
  };
};

/** The public view of a schedule (without the captured draft). */
export function scheduleView(s: ClaimedSchedule): Schedule {
  const { snapshot: _snapshot, runAtMs: _runAtMs, ...view } = s;
  return view;
}

export interface ReleaseStore {
  readonly kind: 'sqlite' | 'postgres';
  // ---- webhooks ----
  createWebhook(w: StoredWebhook, audit: AuditDraft): Promise<StoredWebhook>;
  listWebhooks(): Promise<StoredWebhook[]>;
  getWebhook(id: string): Promise<StoredWebhook | null>;
  updateWebhook(
    id: string,
    patch: Partial<Pick<StoredWebhook, 'name' | 'url' | 'events' | 'enabled' | 'secret'>>,
    audit: AuditDraft,
  ): Promise<StoredWebhook>;
  deleteWebhook(id: string, audit: AuditDraft): Promise<boolean>;
  /** Queues one delivery per enabled webhook subscribed to `event` (or to the given webhook only). */
  enqueueDeliveries(
    event: string,
    bodyOf: (webhookId: string) => { id: string; body: string },
    onlyWebhook?: string,
  ): Promise<number>;
  /** Claims up to `limit` due deliveries (pending and due, or sending with an expired lease) for `leaseMs`. */
  claimDeliveries(now: number, leaseMs: number, limit: number): Promise<Array<Delivery & { leaseUntil: number }>>;
  /** Records an attempt's outcome, only while the claim still holds (same lease). */
  finishAttempt(
    id: string,
    leaseUntil: number,
    outcome: { status: Delivery['status']; log: Delivery['log']; nextAttemptAt: number | null },
  ): Promise<boolean>;
  listDeliveries(webhookId: string, limit: number): Promise<Delivery[]>;
  getDelivery(id: string): Promise<Delivery | null>;
  // ---- scheduled changes ----
  createSchedule(s: NewSchedule, audit: AuditDraft): Promise<ClaimedSchedule>;
  listSchedules(q: { featureId?: string; status?: string; limit: number }): Promise<ClaimedSchedule[]>;
  getSchedule(id: string): Promise<ClaimedSchedule | null>;
  /** Cancels a pending schedule; CF_SCHEDULE_NOT_FOUND or CF_SCHEDULE_NOT_PENDING otherwise. */
  cancelSchedule(id: string, audit: AuditDraft): Promise<ClaimedSchedule>;
  /** Claims the earliest due schedule (pending and due, or running with an expired lease), or null. */
  claimSchedule(now: number, instance: string, leaseMs: number): Promise<ClaimedSchedule | null>;
  /** Marks a claimed schedule done or failed, with its audit entry, only while `instance` holds it. */
  finishSchedule(
    id: string,
    instance: string,
    outcome: { status: 'done' | 'failed'; ranAt: number; lateByMs: number; result: unknown; error: string | null },
    audit: AuditDraft,
  ): Promise<boolean>;
  close(): Promise<void>;
}

/** How long finished deliveries stay in the log. */
export const DELIVERY_LOG_DAYS = 30;

const WEBHOOK_COLUMNS = 'id, name, url, events, secret, enabled, created_at, updated_at';

export function openReleaseStore(options: { databaseUrl?: string; dataDir: string }): ReleaseStore {
  const db: Db = openReleaseDb(options);
  const pgOnly = (sql: string) => (db.kind === 'postgres' ? sql : '');
  const nowIso = () => new Date().toISOString();

  function* writeAudit(draft: AuditDraft, result: unknown): Generator<Step, void, Row[]> {
    const v = auditValues(draft, result);
    yield sql(
      'INSERT INTO audit_log (at, actor_type, actor_id, actor_name, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [nowIso(), v.actorType, v.actorId, v.actorName, v.action, v.target, v.before, v.after],
    );
  }
  const WEBHOOK_BY_ID = `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`;
  const SCHEDULE_BY_ID = 'SELECT * FROM scheduled_changes WHERE id = $1';
  function* webhookTx(id: string): Generator<Step, StoredWebhook | null, Row[]> {
    const [row] = yield sql(WEBHOOK_BY_ID, [id]);
    return row ? toWebhook(row) : null;
  }
  function* scheduleTx(id: string): Generator<Step, ClaimedSchedule | null, Row[]> {
    const [row] = yield sql(SCHEDULE_BY_ID, [id]);
    return row ? toSchedule(row) : null;
  }

  return {
    kind: db.kind,

    createWebhook: (w, audit) =>
      db.tx(function* () {
        yield sql(`INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          w.id,
          w.name,
          w.url,
          JSON.stringify(w.events),
          w.secret,
          w.enabled,
          w.createdAt,
          w.updatedAt,
        ]);
        yield* writeAudit(audit, w);
        return w;
      }),
    listWebhooks: async () =>
      (await db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`)).map(toWebhook),
    getWebhook: async (id) => {
      const [row] = await db.query(WEBHOOK_BY_ID, [id]);
      return row ? toWebhook(row) : null;
    },
    updateWebhook: (id, patch, audit) =>
      db.tx(function* () {
        const before = yield* webhookTx(id);
        if (!before) throw new ClaimflowError('CF_WEBHOOK_NOT_FOUND', `no webhook "${id}"`, { field: 'params.id' });
        const after: StoredWebhook = { ...before, ...patch, updatedAt: nowIso() };
        yield sql(
          'UPDATE webhooks SET name = $1, url = $2, events = $3, enabled = $4, secret = $5, updated_at = $6 WHERE id = $7',
          [after.name, after.url, JSON.stringify(after.events), after.enabled, after.secret, after.updatedAt, id],
        );
        yield* writeAudit(audit, after);
        return after;
      }),
    deleteWebhook: (id, audit) =>
      db.tx(function* () {
        if (!(yield* webhookTx(id))) return false;
        yield sql('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id]);
        yield sql('DELETE FROM webhooks WHERE id = $1', [id]);
        yield* writeAudit(audit, true);
        return true;
      }),

    enqueueDeliveries: (event, bodyOf, onlyWebhook) =>
      db.tx(function* () {
        const hooks = ((yield sql(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks`)) as Row[]).map(toWebhook);
        const targets = onlyWebhook
          ? hooks.filter((h) => h.id === onlyWebhook)
          : hooks.filter((h) => h.enabled && h.events.includes(event));
        const at = Date.now();
        // the log keeps finished deliveries for DELIVERY_LOG_DAYS
        yield sql(`DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND created_at < $1`, [
          new Date(at - DELIVERY_LOG_DAYS * 86_400_000).toISOString(),
        ]);
        for (const h of targets) {
          const { id, body } = bodyOf(h.id);
          yield sql(
            `INSERT INTO webhook_deliveries (id, webhook_id, event, body, status, attempts, next_attempt_at, log, created_at)
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, '[]', $6)`,
            [id, h.id, event, body, at, new Date(at).toISOString()],
          );
        }
        return targets.length;
      }),
    claimDeliveries: async (now, leaseMs, limit) => {
      // a read first: the claiming UPDATE (a write lock on SQLite) only runs when something is due
      const due = await db.query(
        `SELECT 1 AS due FROM webhook_deliveries
         WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1) LIMIT 1`,
        [now],
      );
      if (due.length === 0) return [];
      const leaseUntil = now + leaseMs;
      // one statement: atomic on its own (PostgreSQL skips rows another instance is claiming at the same moment)
      const rows = await db.query(
        `UPDATE webhook_deliveries SET status = 'sending', lease_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM webhook_deliveries
           WHERE (status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND lease_until < $2)
           ORDER BY next_attempt_at LIMIT $3 ${pgOnly('FOR UPDATE SKIP LOCKED')})
         RETURNING *`,
        [leaseUntil, now, limit],
      );
      return rows.map((r) => ({ ...toDelivery(r), leaseUntil }));
    },
    finishAttempt: async (id, leaseUntil, outcome) => {
      const rows = await db.query(
        `UPDATE webhook_deliveries SET status = $1, log = $2, next_attempt_at = $3, lease_until = NULL, finished_at = $4
         WHERE id = $5 AND status = 'sending' AND lease_until = $6 RETURNING id`,
        [
          outcome.status,
          JSON.stringify(outcome.log),
          outcome.nextAttemptAt ?? 0,
          outcome.status === 'delivered' || outcome.status === 'failed' ? nowIso() : null,
          id,
          leaseUntil,
        ],
      );
      return rows.length > 0;
    },
    listDeliveries: async (webhookId, limit) =>
      (
        await db.query(
          'SELECT * FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
          [webhookId, limit],
        )
      ).map(toDelivery),
    getDelivery: async (id) => {
      const [row] = await db.query('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
      return row ? toDelivery(row) : null;
    },

    createSchedule: (s, audit) =>
      db.tx(function* () {
        yield sql(
          `INSERT INTO scheduled_changes (id, feature_id, environment, action, version, snapshot, from_environment, run_at,
             time_zone, local_time, note, status, created_by, created_at, change_request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, $14)`,
          [
            s.id,
            s.featureId,
            s.environment,
            s.action,
            s.version,
            s.snapshot === null ? null : JSON.stringify(s.snapshot),
            s.fromEnvironment,
            s.runAt,
            s.timeZone,
            s.localTime,
            s.note,
            JSON.stringify(s.createdBy),
            nowIso(),
            s.changeRequestId ?? null,
          ],
        );
        const created = (yield* scheduleTx(s.id)) as ClaimedSchedule;
        yield* writeAudit(audit, scheduleView(created));
        return created;
      }),
    listSchedules: async ({ featureId, status, limit }) =>
      (
        await db.query(
          `SELECT * FROM scheduled_changes WHERE ($1::text IS NULL OR feature_id = $1::text)
             AND ($2::text IS NULL OR status = $2::text) ORDER BY run_at DESC, id LIMIT $3`,
          [featureId ?? null, status ?? null, limit],
        )
      ).map(toSchedule),
    getSchedule: async (id) => {
      const [row] = await db.query(SCHEDULE_BY_ID, [id]);
      return row ? toSchedule(row) : null;
    },
    cancelSchedule: (id, audit) =>
      db.tx(function* () {
        const rows = yield sql(
          `UPDATE scheduled_changes SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING *`,
          [id],
        );
        if (rows.length === 0) {
          const existing = yield* scheduleTx(id);
          if (!existing)
            throw new ClaimflowError('CF_SCHEDULE_NOT_FOUND', `no scheduled change "${id}"`, { field: 'params.id' });
          throw new ClaimflowError(
            'CF_SCHEDULE_NOT_PENDING',
            `scheduled change "${id}" is ${existing.status}; only a pending one can be cancelled`,
            { field: 'params.id' },
          );
        }
        const cancelled = toSchedule(rows[0]);
        yield* writeAudit(audit, scheduleView(cancelled));
        return cancelled;
      }),
    claimSchedule: async (now, instance, leaseMs) => {
      const due = await db.query(
        `SELECT 1 AS due FROM scheduled_changes
         WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND lease_until < $1) LIMIT 1`,
        [now],
      );
      if (due.length === 0) return null;
      const rows = await db.query(
        `UPDATE scheduled_changes SET status = 'running', claimed_by = $1, lease_until = $2
         WHERE id = (SELECT id FROM scheduled_changes
           WHERE (status = 'pending' AND run_at <= $3) OR (status = 'running' AND lease_until < $3)
           ORDER BY run_at, id LIMIT 1 ${pgOnly('FOR UPDATE SKIP LOCKED')})
         RETURNING *`,
        [instance, now + leaseMs, now],
      );
      return rows[0] ? toSchedule(rows[0]) : null;
    },
    finishSchedule: (id, instance, outcome, audit) =>
      db.tx(function* () {
        const rows = yield sql(
          `UPDATE scheduled_changes SET status = $1, ran_at = $2, late_ms = $3, result = $4, error = $5, lease_until = NULL
           WHERE id = $6 AND status = 'running' AND claimed_by = $7 RETURNING *`,
          [
            outcome.status,
            new Date(outcome.ranAt).toISOString(),
            outcome.lateByMs,
            JSON.stringify(outcome.result ?? null),
            outcome.error,
            id,
            instance,
          ],
        );
        if (rows.length === 0) return false;
        yield* writeAudit(audit, scheduleView(toSchedule(rows[0])));
        return true;
      }),
    close: () => db.close(),
  };
}
