/** One contract, two stores: the same behaviour from embedded SQLite and from a real PostgreSQL server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore, type Store } from '../../../api/store';
import { freshDatabase } from '../../helpers/pg';

interface Harness {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

const graph = { nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }], edges: [] };

function runStoreContract(name: string, make: () => Promise<Harness>) {
  describe(`${name} store`, () => {
    let h: Harness;
    let store: Store;
    beforeAll(async () => {
      h = await make();
      store = await h.open();
    });
    afterAll(async () => {
      await store.close();
      await h.cleanup();
    });

    it('keeps settings as JSON', async () => {
      expect(await store.getSetting('jwt')).toBeNull();
      await store.putSetting('jwt', { a: [1, 'x'] });
      await store.putSetting('jwt', { a: [2] });
      expect(await store.getSetting('jwt')).toEqual({ a: [2] });
    });

    it('keeps an entitlement tree and refuses cycles and deleting what is in use', async () => {
      await store.putEntitlement({ id: 'all', name: 'All', parentId: null });
      await store.putEntitlement({ id: 'premium', name: 'Premium', parentId: 'all' });
      await store.putEntitlement({ id: 'news', name: 'News', parentId: 'premium' });
      await expect(store.putEntitlement({ id: 'all', name: 'All', parentId: 'news' })).rejects.toMatchObject({
        code: 'CF_ENTITLEMENT_CYCLE',
      });
      await expect(store.putEntitlement({ id: 'x', name: 'X', parentId: 'ghost' })).rejects.toMatchObject({
        code: 'CF_ENTITLEMENT_NOT_FOUND',
      });
      await expect(store.deleteEntitlement('premium')).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_IN_USE' });
      await store.putProduct({ id: 'gold', name: 'Gold', claimValues: ['gold', 'g'], entitlementIds: ['news'] });
      await expect(store.deleteEntitlement('news')).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_IN_USE' });
      expect((await store.listEntitlements()).map((e) => e.id)).toEqual(['all', 'news', 'premium']);
      expect(await store.getProduct('gold')).toEqual({
        id: 'gold',
        name: 'Gold',
        claimValues: ['gold', 'g'],
        entitlementIds: ['news'],
      });
      expect(await store.deleteProduct('gold')).toBe(true);
      expect(await store.deleteEntitlement('news')).toBe(true);
    });

    it('creates features, saves drafts, refuses duplicates', async () => {
      const f = await store.createFeature({
        id: 'article',
        name: 'Article',
        customerEntitlements: ['premium'],
        draft: graph,
      });
      expect(f).toMatchObject({ id: 'article', publishedVersion: null, draft: graph, settings: {} });
      await expect(
        store.createFeature({ id: 'article', name: 'again', customerEntitlements: [], draft: graph }),
      ).rejects.toMatchObject({ code: 'CF_FEATURE_EXISTS' });
      const patched = await store.updateFeature('article', { name: 'Articles', settings: { requireSuite: true } });
      expect(patched).toMatchObject({
        name: 'Articles',
        customerEntitlements: ['premium'],
        settings: { requireSuite: true },
      });
      const saved = await store.saveDraft('article', { ...graph, edges: [{ id: 'e' }] });
      expect(saved.draft).toEqual({ ...graph, edges: [{ id: 'e' }] });
      await expect(store.saveDraft('ghost', graph)).rejects.toMatchObject({ code: 'CF_FEATURE_NOT_FOUND' });
    });

    it('numbers versions without gaps under concurrent publishes and keeps them immutable', async () => {
      await store.createFeature({ id: 'busy', name: 'Busy', customerEntitlements: [], draft: graph });
      const seq0 = await store.getChangeSeq();
      const published = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.publishVersion('busy', { graph: { i }, compiled: { i }, author: 'pm', note: `n${i}` }),
        ),
      );
      expect(published.map((v) => v.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect((await store.getFeature('busy'))?.publishedVersion).toBe(20);
      expect((await store.listVersions('busy')).map((v) => v.version)).toEqual(
        Array.from({ length: 20 }, (_, i) => 20 - i),
      );
      const v3 = await store.getVersion('busy', 3);
      expect(v3).toMatchObject({ featureId: 'busy', version: 3, author: 'pm', rolledBackFrom: null });
      expect((await store.getPublished('busy'))?.version).toBe(20);
      expect(await store.getChangeSeq()).toBeGreaterThan(seq0);
      expect((await store.listPublished()).map((v) => v.featureId)).toContain('busy');
      expect(typeof (store as unknown as Record<string, unknown>).updateVersion).toBe('undefined');
    });

    it('keeps suites and a bounded decision log', async () => {
      await store.putSuite({ id: 'article/smoke', featureId: 'article', name: 'Smoke', cases: [{ name: 'a' }] });
      expect((await store.listSuites('article')).map((s) => s.name)).toEqual(['Smoke']);
      expect((await store.getSuite('article/smoke'))?.cases).toEqual([{ name: 'a' }]);
      for (let i = 0; i < 12; i++)
        await store.appendDecisionLog({
          featureId: 'article',
          version: 1,
          at: new Date(1_000_000 + i).toISOString(),
          input: { i },
          decision: 'd',
          path: ['a'],
        });
      await store.trimDecisionLog('article', 5);
      const log = await store.listDecisionLog('article');
      expect(log.map((e) => (e.input as { i: number }).i)).toEqual([11, 10, 9, 8, 7]);
      expect(await store.deleteSuite('article/smoke')).toBe(true);
    });

    it('meters: rolling windows, unique content, page views, shared trackers', async () => {
      const base = {
        tracker: 't1',
        visitor: 'v1',
        windowStart: 1000,
        allowance: 2,
        counting: 'uniqueContent' as const,
      };
      await store.consumeMeter({ ...base, windowStart: 0, now: 500, contentId: 'old' }); // before the window
      expect(await store.consumeMeter({ ...base, now: 2000, contentId: 'a' })).toEqual({
        allowed: true,
        used: 1,
        counted: true,
      });
      expect(await store.consumeMeter({ ...base, now: 2001, contentId: 'a' })).toEqual({
        allowed: true,
        used: 1,
        counted: false,
      });
      expect(await store.consumeMeter({ ...base, now: 2002, contentId: 'b' })).toEqual({
        allowed: true,
        used: 2,
        counted: true,
      });
      expect(await store.peekMeter({ ...base, now: 2003, contentId: 'c' })).toEqual({ allowed: false, used: 2 });
      expect(await store.peekMeter({ ...base, now: 2003, contentId: 'a' })).toEqual({ allowed: true, used: 2 });
      expect(await store.consumeMeter({ ...base, now: 2003, contentId: 'c' })).toEqual({
        allowed: false,
        used: 2,
        counted: false,
      });
      const views = { ...base, tracker: 't2', counting: 'pageViews' as const, contentId: 'same' };
      expect((await store.consumeMeter({ ...views, now: 2000 })).counted).toBe(true);
      expect((await store.consumeMeter({ ...views, now: 2001 })).counted).toBe(true);
      expect((await store.consumeMeter({ ...views, now: 2002 })).allowed).toBe(false);
      expect((await store.peekMeter({ ...views, visitor: 'v2', now: 2002 })).allowed).toBe(true);
    });

    it('200 concurrent uses of one visitor with allowance 10 give exactly 10', async () => {
      const other = await h.open();
      try {
        const req = (i: number) => ({
          tracker: 'race',
          visitor: 'v',
          windowStart: 0,
          now: 10_000 + i,
          allowance: 10,
          contentId: `c${i}`,
          counting: 'uniqueContent' as const,
        });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? other : store).consumeMeter(req(i))),
        );
        expect(results.filter((r) => r.allowed).length).toBe(10);
        expect(results.filter((r) => r.counted).length).toBe(10);
      } finally {
        await other.close();
      }
    });

    it('is ready', async () => {
      expect(await store.ready()).toBe(true);
    });
  });
}

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-store-'));
  return {
    open: () => openSqliteStore({ dataDir: dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

runStoreContract('postgres', async () => {
  const db = await freshDatabase();
  return { open: () => openPostgresStore({ url: db.url, poolSize: 12 }), cleanup: db.drop };
});

describe('postgres change notifications', () => {
  it('a publish on one instance reaches another within a second', async () => {
    const db = await freshDatabase();
    const a = await openPostgresStore({ url: db.url });
    const b = await openPostgresStore({ url: db.url });
    try {
      await a.createFeature({ id: 'f', name: 'F', customerEntitlements: [], draft: graph });
      const heard = new Promise<{ featureId: string; version: number }>((resolve) => b.onChange(resolve));
      await new Promise((r) => setTimeout(r, 200)); // LISTEN connects
      const started = Date.now();
      await a.publishVersion('f', { graph, compiled: {}, author: 'pm', note: '' });
      await expect(heard).resolves.toEqual({ featureId: 'f', version: 1 });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
