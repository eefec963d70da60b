/**
 * Bounded meter storage through the service: instances prune expired uses on a schedule, an instance group prunes
 * about once per interval (a lease row in the shared PostgreSQL), and `/metrics` counts the rows removed. Decisions
 * with the Redis meter store (CLAIMFLOW_METER_URL) count in Redis, exactly under concurrency.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type Store } from '../../api/store';
import { freshDatabase } from '../helpers/pg';
import { hs256, setupZephr, testApp } from './helpers';

const REDIS_URL = process.env.CLAIMFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prunedOf = async (app: FastifyInstance) => {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(/^claimflow_meter_uses_pruned_total (\d+)/m.exec(text)?.[1] ?? 0);
};

describe('scheduled pruning on PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let store: Store;
  beforeAll(async () => {
    db = await freshDatabase();
    store = await openPostgresStore({ url: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('three instances prune the expired uses once between them and count them in /metrics', async () => {
    const now = Date.now();
    const use = { visitor: 'v', windowStart: 0, allowance: 100, counting: 'pageViews' as const, contentId: null };
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.consumeMeter({ ...use, tracker: `t${i % 3}`, now: now - 10_000 + i, expiresAt: now - 5000 }),
      ),
    );
    await store.consumeMeter({ ...use, tracker: 'kept', now, expiresAt: now + 86_400_000 });
    await store.consumeMeter({ ...use, tracker: 'life', now, expiresAt: null });
    const apps = await Promise.all([1, 2, 3].map(() => testApp({ databaseUrl: db.url, meterPruneIntervalMs: 150 })));
    try {
      await new Promise((r) => setTimeout(r, 700));
      const counts = await Promise.all(apps.map((a) => prunedOf(a.app)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(30); // every expired row once, whoever pruned it
      expect((await store.peekMeter({ ...use, tracker: 't0', now })).used).toBe(0);
      expect((await store.peekMeter({ ...use, tracker: 'kept', now })).used).toBe(1);
      expect((await store.peekMeter({ ...use, tracker: 'life', now })).used).toBe(1);
    } finally {
      await Promise.all(apps.map((a) => a.close()));
    }
  });
});

describe('decisions with the Redis meter store', () => {
  it('count in Redis, exactly: 100 concurrent decisions by one reader with allowance 7', async () => {
    const { app, close } = await testApp({ meterUrl: REDIS_URL });
    const r = new Redis(REDIS_URL);
    const tracker = `redis-${randomBytes(4).toString('hex')}`;
    try {
      await setupZephr(app, { publish: false });
      const graph = {
        nodes: [
          { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
          {
            id: 'meter',
            type: 'trial',
            position: { x: 0, y: 0 },
            data: { allowance: 7, period: 'calendarMonth', counting: 'uniqueContent', tracker },
          },
          { id: 'free', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'article' } },
          { id: 'wall', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'paywall' } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'meter' },
          { id: 'e2', source: 'meter', target: 'free', sourceHandle: 'allowed' },
          { id: 'e3', source: 'meter', target: 'wall', sourceHandle: 'exhausted' },
        ],
      };
      const admin = { 'x-claimflow-admin-key': 'test-admin-key-0123456789abcdef' };
      await app.inject({ method: 'POST', url: '/admin/v1/features', headers: admin, payload: { id: 'r', name: 'r' } });
      await app.inject({ method: 'PUT', url: '/admin/v1/features/r/draft', headers: admin, payload: { graph } });
      expect(
        (await app.inject({ method: 'POST', url: '/admin/v1/features/r/publish', headers: admin, payload: {} }))
          .statusCode,
      ).toBe(201);
      const auth = { authorization: `Bearer ${await hs256({ sub: 'redis-reader' })}` };
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/v1/decisions',
            headers: auth,
            payload: { feature: 'r', context: { contentId: `a${i}` } },
          }),
        ),
      );
      const decisions = answers.map((a) => a.json().decision);
      expect(decisions.filter((d) => d === 'article')).toHaveLength(7);
      const keys = await r.keys(`claimflow:meter:${tracker.length}:${tracker}:*`);
      expect(keys).toHaveLength(1);
      expect(await r.zcard(keys[0])).toBe(7);
      expect(await r.pttl(keys[0])).toBeGreaterThan(0); // expires with its calendar month
    } finally {
      const keys = await r.keys(`claimflow:meter:${tracker.length}:${tracker}:*`);
      if (keys.length > 0) await r.del(...keys);
      await r.quit();
      await close();
    }
  });
});

/** A free loopback port (nothing listens on it once this resolves). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('when the Redis meter store is down', () => {
  it('the service starts, meters fail to CLAIMFLOW_METER_FAILURE_MODE, and counting resumes once Redis is back', async () => {
    const port = await freePort();
    const { app, close } = await testApp({ meterUrl: `redis://127.0.0.1:${port}`, meterFailureMode: 'deny' });
    let redis: ReturnType<typeof spawn> | null = null;
    try {
      await setupZephr(app, { publish: false });
      const admin = { 'x-claimflow-admin-key': 'test-admin-key-0123456789abcdef' };
      const graph = {
        nodes: [
          { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
          {
            id: 'meter',
            type: 'trial',
            position: { x: 0, y: 0 },
            data: { allowance: 1, period: 'P1D', counting: 'pageViews' },
          },
          { id: 'free', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'article' } },
          { id: 'wall', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'paywall' } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'meter' },
          { id: 'e2', source: 'meter', target: 'free', sourceHandle: 'allowed' },
          { id: 'e3', source: 'meter', target: 'wall', sourceHandle: 'exhausted' },
        ],
      };
      await app.inject({ method: 'POST', url: '/admin/v1/features', headers: admin, payload: { id: 'd', name: 'd' } });
      await app.inject({ method: 'PUT', url: '/admin/v1/features/d/draft', headers: admin, payload: { graph } });
      await app.inject({ method: 'POST', url: '/admin/v1/features/d/publish', headers: admin, payload: {} });
      const auth = { authorization: `Bearer ${await hs256({ sub: `down-${randomBytes(4).toString('hex')}` })}` };
      const ask = async () =>
        (await app.inject({ method: 'POST', url: '/v1/decisions', headers: auth, payload: { feature: 'd' } })).json();
      const down = await ask();
      expect(down.decision).toBe('paywall');
      expect(down.meters).toEqual([{ node: 'meter', tracker: 'd:meter', allowance: 1, remaining: null }]);
      expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/claimflow_meter_errors_total [1-9]/);

      redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      let answer = down;
      for (let i = 0; i < 100 && answer.decision !== 'article'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await ask();
      }
      expect(answer).toMatchObject({ decision: 'article', meters: [{ remaining: 0 }] });
      expect((await ask()).decision).toBe('paywall'); // counted in the Redis that came back
    } finally {
      redis?.kill('SIGTERM');
      await close();
    }
  }, 30_000);
});
