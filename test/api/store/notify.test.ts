/**
 * PostgreSQL LISTEN/NOTIFY between two store instances on one real database: a publish on one reaches the other's
 * onChange listeners within a second, in order, never for a publish that failed, and a lost LISTEN connection is
 * re-established with the missed publishes caught up.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeEvent, openPostgresStore, type Store } from '../../../api/store';
import { freshDatabase } from '../../helpers/pg';

const graph = { nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }], edges: [] };

let db: { url: string; drop: () => Promise<void> };
let a: Store;
let b: Store;

beforeAll(async () => {
  db = await freshDatabase();
  a = await openPostgresStore({ url: db.url });
  b = await openPostgresStore({ url: db.url });
  await a.createFeature({ id: 'f', name: 'F', customerEntitlements: [], draft: graph });
  await a.createFeature({ id: 'g', name: 'G', customerEntitlements: [], draft: graph });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

/** Resolves with the first `count` events `store` hears, or rejects after `ms`. */
function hear(store: Store, count: number, ms: number): Promise<ChangeEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ChangeEvent[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`heard ${events.length} of ${count} events in ${ms} ms: ${JSON.stringify(events)}`));
    }, ms);
    const off = store.onChange((e) => {
      events.push(e);
      if (events.length === count) {
        clearTimeout(timer);
        off();
        resolve(events);
      }
    });
  });
}

describe('postgres change notifications', () => {
  it('a publish on one instance reaches the other within a second', async () => {
    const heard = hear(b, 1, 1000);
    const started = Date.now();
    await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: '' });
    expect(await heard).toEqual([{ featureId: 'f', version: 1 }]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('delivers rapid publishes of several features in commit order, and nothing for a failed publish', async () => {
    const heard = hear(b, 4, 2000);
    await expect(a.publishVersion('ghost', { graph, compiled: {}, author: 'pm', note: '' })).rejects.toMatchObject({
      code: 'CF_FEATURE_NOT_FOUND',
    });
    await a.publishVersion('g', { graph, compiled: {}, author: 'pm', note: '' });
    await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: '' });
    await b.publishVersion('g', { graph, compiled: {}, author: 'pm', note: '' }); // its own publishes too
    await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: '' });
    expect(await heard).toEqual([
      { featureId: 'g', version: 1 },
      { featureId: 'f', version: 2 },
      { featureId: 'g', version: 2 },
      { featureId: 'f', version: 3 },
    ]);
  });

  it('re-listens after losing its connection and catches up on what it missed', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const listening = async () =>
        (
          await admin.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'claimflow-listen'",
          )
        ).rows.map((r) => Number(r.pid));
      const before = await listening();
      expect(before.length).toBe(2); // a and b
      const heard = hear(b, 2, 5000);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      // Published while nobody listens: delivered when the connection is back.
      await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: 'missed' });
      await a.publishVersion('g', { graph, compiled: {}, author: 'pm', note: 'missed' });
      expect(await heard).toEqual([
        { featureId: 'f', version: 4 },
        { featureId: 'g', version: 3 },
      ]);
      // And live notifications flow again.
      for (let i = 0; i < 50 && (await listening()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      const live = hear(b, 1, 1000);
      await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: 'live' });
      expect(await live).toEqual([{ featureId: 'f', version: 5 }]);
    } finally {
      await admin.end();
    }
  });
});
