/**
 * One meter contract, three backends: embedded SQLite (a temp folder), the real PostgreSQL server (a fresh database)
 * and the real Redis server at 127.0.0.1:6379 (a random key prefix per run). Concurrency is real: two store
 * instances on the same data, hundreds of uses in flight, group-committed batches that hold one visitor twice, and a
 * batch that fails at the server rejecting every one of its callers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeterRequest, type MeterStore, openPostgresStore, openSqliteStore } from '../../../api/store';
import { openRedisMeterStore } from '../../../api/store/meters/redis-meter-store';
import { meterPeek, meterVerdict, repeatContent } from '../../../api/store/rules';
import { freshDatabase } from '../../helpers/pg';

const REDIS_URL = process.env.CLAIMFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface MeterHarness {
  /** A new meter store instance on the same data. */
  open(): Promise<MeterStore>;
  /**
   * Calls `fire` with a store instance on the same data whose next meter batch fails at the server, and answers the
   * outcomes of the uses it fired. Absent where a backend has no batch to fail (Redis runs one script per use).
   */
  failNextBatch?(fire: (store: MeterStore) => Array<Promise<unknown>>): Promise<PromiseSettledResult<unknown>[]>;
  /** Database transactions that recorded the uses of `tracker` (PostgreSQL: distinct xmin of the rows). */
  transactionsOf?(tracker: string): Promise<number>;
  cleanup(): Promise<void>;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const use = (over: Partial<MeterRequest> & { tracker: string }): MeterRequest => ({
  visitor: 'v',
  windowStart: 0,
  now: 1000,
  allowance: 10,
  contentId: null,
  counting: 'pageViews',
  ...over,
});

function runMeterContract(name: string, make: () => Promise<MeterHarness>) {
  describe(`${name} meter contract`, () => {
    let h: MeterHarness;
    let store: MeterStore;
    beforeAll(async () => {
      h = await make();
      store = await h.open();
    });
    afterAll(async () => {
      await store?.close();
      await h?.cleanup();
    });

    const base = { visitor: 'v1', allowance: 2 };

    it('is ready', async () => {
      expect(await store.ready()).toBe(true);
    });

    it('counts uses in a rolling window only', async () => {
      const m = { ...base, tracker: 'rolling', counting: 'pageViews' as const, contentId: null };
      expect(await store.consumeMeter({ ...m, windowStart: 0, now: 500 })).toEqual({
        allowed: true,
        used: 1,
        counted: true,
      });
      expect(await store.consumeMeter({ ...m, windowStart: 0, now: 600 })).toEqual({
        allowed: true,
        used: 2,
        counted: true,
      });
      expect(await store.consumeMeter({ ...m, windowStart: 0, now: 700 })).toEqual({
        allowed: false,
        used: 2,
        counted: false,
      });
      // The window moved past the first use: one is free again.
      expect(await store.peekMeter({ ...m, windowStart: 501, now: 2000 })).toEqual({ allowed: true, used: 1 });
      expect(await store.consumeMeter({ ...m, windowStart: 501, now: 2000 })).toEqual({
        allowed: true,
        used: 2,
        counted: true,
      });
      // Both earlier uses left the window.
      expect(await store.peekMeter({ ...m, windowStart: 1000, now: 3000 })).toEqual({ allowed: true, used: 1 });
    });

    it('uniqueContent: re-reading counted content is free; pageViews counts every view', async () => {
      const u = { ...base, tracker: 'unique', windowStart: 1000, counting: 'uniqueContent' as const };
      expect(await store.consumeMeter({ ...u, now: 2000, contentId: 'a' })).toEqual({
        allowed: true,
        used: 1,
        counted: true,
      });
      expect(await store.consumeMeter({ ...u, now: 2001, contentId: 'a' })).toEqual({
        allowed: true,
        used: 1,
        counted: false,
      });
      expect(await store.consumeMeter({ ...u, now: 2002, contentId: 'b' })).toEqual({
        allowed: true,
        used: 2,
        counted: true,
      });
      expect(await store.peekMeter({ ...u, now: 2003, contentId: 'c' })).toEqual({ allowed: false, used: 2 });
      expect(await store.peekMeter({ ...u, now: 2003, contentId: 'a' })).toEqual({ allowed: true, used: 2 });
      expect(await store.consumeMeter({ ...u, now: 2003, contentId: 'c' })).toEqual({
        allowed: false,
        used: 2,
        counted: false,
      });
      expect(await store.consumeMeter({ ...u, now: 2004, contentId: 'b' })).toEqual({
        allowed: true,
        used: 2,
        counted: false,
      });
      // Content counted before the window is new again inside it.
      expect((await store.peekMeter({ ...u, windowStart: 2001, now: 2005, contentId: 'a' })).used).toBe(1);
      // Content ids that contain the separators of a backend's encoding stay distinct.
      const odd = { ...u, tracker: 'odd:tracker', allowance: 5 };
      expect((await store.consumeMeter({ ...odd, now: 2000, contentId: 'x:ca' })).counted).toBe(true);
      expect((await store.consumeMeter({ ...odd, now: 2001, contentId: 'a' })).counted).toBe(true);
      expect((await store.consumeMeter({ ...odd, now: 2002, contentId: '' })).counted).toBe(true);
      expect((await store.consumeMeter({ ...odd, now: 2003, contentId: '' })).counted).toBe(false);

      const views = { ...base, tracker: 'views', windowStart: 0, counting: 'pageViews' as const, contentId: 'same' };
      expect((await store.consumeMeter({ ...views, now: 2000 })).counted).toBe(true);
      expect((await store.consumeMeter({ ...views, now: 2001 })).counted).toBe(true);
      expect(await store.consumeMeter({ ...views, now: 2002 })).toEqual({ allowed: false, used: 2, counted: false });
    });

    it('meters sharing a tracker share counts; visitors and trackers are independent', async () => {
      const shared = { tracker: 'shared', visitor: 'v9', windowStart: 0, allowance: 3, counting: 'pageViews' as const };
      await store.consumeMeter({ ...shared, now: 1, contentId: 'x' });
      await store.consumeMeter({ ...shared, now: 2, contentId: 'y', counting: 'uniqueContent' });
      expect(await store.peekMeter({ ...shared, allowance: 2, now: 3, contentId: null })).toEqual({
        allowed: false,
        used: 2,
      });
      expect(await store.peekMeter({ ...shared, now: 3, contentId: null })).toEqual({ allowed: true, used: 2 });
      expect(await store.peekMeter({ ...shared, visitor: 'v10', now: 3, contentId: null })).toEqual({
        allowed: true,
        used: 0,
      });
      expect(await store.peekMeter({ ...shared, tracker: 'other', now: 3, contentId: null })).toEqual({
        allowed: true,
        used: 0,
      });
      // Tracker and visitor never run together into another pair's key.
      expect(
        (await store.peekMeter({ ...shared, tracker: 'shared:v9', visitor: '', now: 3, contentId: null })).used,
      ).toBe(0);
      expect((await store.peekMeter({ ...shared, now: 3, contentId: null })).used).toBe(2);
    });

    it('answers every use as the shared meter rule says (rules/meters.ts), on random sequences', async () => {
      const op = fc.record({
        peek: fc.boolean(),
        visitor: fc.constantFrom('p1', 'p2'),
        contentId: fc.constantFrom(null, '', 'a', 'b', 'c'),
        counting: fc.constantFrom('pageViews' as const, 'uniqueContent' as const),
        allowance: fc.integer({ min: 0, max: 3 }),
        window: fc.constantFrom(null, 25, 45), // null: lifetime
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          const tracker = `rule-${run++}`;
          const recorded: Array<{ visitor: string; at: number; contentId: string | null }> = [];
          for (const [i, o] of ops.entries()) {
            const now = 100 + i * 10;
            const req: MeterRequest = {
              tracker,
              visitor: o.visitor,
              windowStart: o.window === null ? 0 : now - o.window,
              now,
              allowance: o.allowance,
              contentId: o.contentId,
              counting: o.counting,
              expiresAt: null,
            };
            const inWindow = recorded.filter((u) => u.visitor === req.visitor && u.at >= req.windowStart);
            const content = repeatContent(req);
            const state = {
              used: inWindow.length,
              repeat: content !== null && inWindow.some((u) => u.contentId === content),
            };
            if (o.peek) {
              expect(await store.peekMeter(req)).toEqual(meterPeek(state, req.allowance));
            } else {
              const expected = meterVerdict(state, req.allowance);
              expect(await store.consumeMeter(req)).toEqual(expected);
              if (expected.counted) recorded.push({ visitor: req.visitor, at: now, contentId: req.contentId });
            }
          }
        }),
        { numRuns: 25 },
      );
    });

    it('a batch holding one visitor twice counts in request order, exactly', async () => {
      // Fired in one tick: they gather into one group-committed batch.
      const results = await Promise.all([
        store.consumeMeter(use({ tracker: 'twice', allowance: 1, now: 1 })),
        store.consumeMeter(use({ tracker: 'twice', allowance: 1, now: 2 })),
        store.consumeMeter(use({ tracker: 'twice', allowance: 1, now: 3, visitor: 'w' })),
        store.consumeMeter(use({ tracker: 'twice-u', counting: 'uniqueContent', contentId: 'a', now: 4 })),
        store.consumeMeter(use({ tracker: 'twice-u', counting: 'uniqueContent', contentId: 'a', now: 5 })),
        store.consumeMeter(use({ tracker: 'twice-u', counting: 'uniqueContent', contentId: 'b', now: 6 })),
      ]);
      expect(results).toEqual([
        { allowed: true, used: 1, counted: true },
        { allowed: false, used: 1, counted: false },
        { allowed: true, used: 1, counted: true },
        { allowed: true, used: 1, counted: true },
        { allowed: true, used: 1, counted: false },
        { allowed: true, used: 2, counted: true },
      ]);
    });

    it('group-commits concurrent uses of many visitors', async () => {
      const results = await Promise.all(
        range(1, 40).map((i) => store.consumeMeter(use({ tracker: 'group', visitor: `g${i}`, allowance: 1 }))),
      );
      expect(results.every((r) => r.allowed && r.counted && r.used === 1)).toBe(true);
      // PostgreSQL: the rows of one batch share their inserting transaction (maxBatch 64, so one or two).
      if (h.transactionsOf) expect(await h.transactionsOf('group')).toBeLessThanOrEqual(2);
    });

    it('prunes expired uses, once per instance group when leased', async () => {
      const p = { tracker: 'prune', visitor: 'v', windowStart: 0, allowance: 10, counting: 'pageViews' as const };
      for (const now of [100, 200, 300]) await store.consumeMeter({ ...p, now, expiresAt: now + 50, contentId: null });
      await store.consumeMeter({ ...p, now: 400, expiresAt: null, contentId: null }); // lifetime: never pruned
      if (name === 'redis') {
        // Redis drops stale uses itself as new ones are written (and the key expires with its last use).
        await store.consumeMeter({ ...p, windowStart: 301, now: 500, expiresAt: 600, contentId: null });
        // Of the five uses, the three that expired by 500 are gone: a lifetime read sees the other two.
        expect((await store.peekMeter({ ...p, now: 501, contentId: null })).used).toBe(2);
        return;
      }
      const other = await h.open();
      try {
        expect(await store.pruneMeters(260, 60_000)).toBe(2);
        expect(await other.pruneMeters(400, 60_000)).toBeNull(); // the lease is held: another instance pruned
        expect((await store.peekMeter({ ...p, now: 500, contentId: null })).used).toBe(2);
        expect(await other.pruneMeters(10_000)).toBe(1); // unleased: always prunes
        expect((await store.peekMeter({ ...p, now: 500, contentId: null })).used).toBe(1);
        expect(await store.pruneMeters(60_300, 60_000)).toBe(0); // the lease ran out: this one may prune again
      } finally {
        await other.close();
      }
    });

    it('200 concurrent uses by one visitor with allowance 10 allow exactly 10 (two instances)', async () => {
      const other = await h.open();
      try {
        const req = (i: number) =>
          use({
            tracker: 'race',
            now: 10_000 + i,
            allowance: 10,
            contentId: `c${i}`,
            counting: 'uniqueContent',
          });
        const results = await Promise.all(range(0, 199).map((i) => (i % 2 ? other : store).consumeMeter(req(i))));
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(results.filter((r) => r.counted)).toHaveLength(10);
        expect(await store.peekMeter(req(999))).toEqual({ allowed: false, used: 10 });
      } finally {
        await other.close();
      }
    });

    it('200 concurrent uses by 20 visitors on two instances: exactly the allowance each', async () => {
      const other = await h.open();
      try {
        const results = await Promise.all(
          range(0, 199).map((i) =>
            (i % 2 ? other : store).consumeMeter(use({ tracker: 'crowd', visitor: `c${i % 20}`, allowance: 3 })),
          ),
        );
        expect(results.filter((r) => r.counted)).toHaveLength(60);
        for (const v of range(0, 19))
          expect(await store.peekMeter(use({ tracker: 'crowd', visitor: `c${v}`, allowance: 3 }))).toEqual({
            allowed: false,
            used: 3,
          });
      } finally {
        await other.close();
      }
    });

    it('a batch that fails at the server rejects every caller in it and records nothing', async () => {
      if (!h.failNextBatch) return;
      const outcomes = await h.failNextBatch((s) =>
        range(1, 5).map((i) => s.consumeMeter(use({ tracker: 'failed', visitor: `f${i}` }))),
      );
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
      for (const o of outcomes)
        expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'CF_STORE_UNAVAILABLE', statusCode: 503 });
      for (const i of range(1, 5))
        expect((await store.peekMeter(use({ tracker: 'failed', visitor: `f${i}` }))).used).toBe(0);
      // The store keeps working after the failed batch.
      expect((await store.consumeMeter(use({ tracker: 'failed', visitor: 'f1' }))).counted).toBe(true);
    });

    it('answers CF_STORE_UNAVAILABLE, and is not ready, once closed', async () => {
      const other = await h.open();
      await other.close();
      expect(await other.ready()).toBe(false);
      await expect(other.consumeMeter(use({ tracker: 't' }))).rejects.toMatchObject({
        code: 'CF_STORE_UNAVAILABLE',
        statusCode: 503,
      });
    });
  });
}

runMeterContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-meters-'));
  return {
    open: () => openSqliteStore({ dataDir: dir }),
    async failNextBatch(fire) {
      // Another connection holds the write lock past a short busy timeout: the batch's BEGIN IMMEDIATE fails.
      const impatient = await openSqliteStore({ dataDir: dir, busyTimeoutMs: 20 });
      const blocker = new Database(join(dir, 'claimflow.db'));
      blocker.exec('BEGIN IMMEDIATE');
      try {
        return await Promise.allSettled(fire(impatient));
      } finally {
        blocker.exec('ROLLBACK');
        blocker.close();
        await impatient.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

runMeterContract('postgres', async () => {
  const db = await freshDatabase();
  const query = async (sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    open: () => openPostgresStore({ url: db.url, poolSize: 12 }),
    async failNextBatch(fire) {
      // The batch waits behind a table lock; its server connection is then terminated mid-transaction.
      const s = await openPostgresStore({ url: db.url, poolSize: 2, listen: false });
      const blocker = new pg.Client({ connectionString: db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE meter_uses IN EXCLUSIVE MODE');
        const outcomes = Promise.allSettled(fire(s));
        for (let waited = 0; ; waited += 20) {
          const killed = await query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%claimflow_consume_meters%'",
          );
          if (killed.length > 0) break;
          if (waited > 10_000) throw new Error('the meter batch never reached the lock');
          await new Promise((r) => setTimeout(r, 20));
        }
        return await outcomes;
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
        await s.close();
      }
    },
    transactionsOf: async (tracker) =>
      Number(
        (await query('SELECT count(DISTINCT xmin::text) AS n FROM meter_uses WHERE tracker = $1', [tracker]))[0].n,
      ),
    cleanup: db.drop,
  };
});

runMeterContract('redis', async () => {
  const keyPrefix = `claimflow-test:${randomBytes(6).toString('hex')}:`;
  return {
    open: () => openRedisMeterStore({ url: REDIS_URL, keyPrefix }),
    cleanup: async () => {
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${keyPrefix}*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
    },
  };
});

describe('redis meter store', () => {
  it('keys expire with the last window they count in, and never for lifetime meters', async () => {
    const keyPrefix = `claimflow-test:${randomBytes(6).toString('hex')}:`;
    const store = await openRedisMeterStore({ url: REDIS_URL, keyPrefix });
    const r = new Redis(REDIS_URL);
    try {
      const now = Date.now();
      await store.consumeMeter(use({ tracker: 'ttl', now, expiresAt: now + 60_000 }));
      await store.consumeMeter(use({ tracker: 'ttl', now: now + 1, expiresAt: now + 30_000 })); // never shortens
      expect(await r.pexpiretime(`${keyPrefix}3:ttl:v`)).toBe(now + 60_000);
      await store.consumeMeter(use({ tracker: 'ttl', now: now + 2, expiresAt: now + 90_000 }));
      expect(await r.pexpiretime(`${keyPrefix}3:ttl:v`)).toBe(now + 90_000);
      await store.consumeMeter(use({ tracker: 'life', now, expiresAt: null }));
      expect(await r.pexpiretime(`${keyPrefix}4:life:v`)).toBe(-1);
      await store.consumeMeter(use({ tracker: 'soon', now, expiresAt: now + 150 }));
      await new Promise((done) => setTimeout(done, 300));
      expect(await r.exists(`${keyPrefix}4:soon:v`)).toBe(0);
    } finally {
      const keys = await r.keys(`${keyPrefix}*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
      await store.close();
    }
  });

  it('refuses an unreachable server quickly with CF_STORE_UNAVAILABLE', async () => {
    await expect(openRedisMeterStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'CF_STORE_UNAVAILABLE',
    });
  });
});
