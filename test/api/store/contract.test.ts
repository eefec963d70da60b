/**
 * One contract, two stores: the same behaviour from embedded SQLite (a temp folder) and from the real PostgreSQL
 * server (a fresh database per run). Races are real: PostgreSQL calls go through pools of more than ten connections,
 * SQLite runs two store instances on one file, and both backends are raced by several child processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeEvent, openPostgresStore, openSqliteStore, openStore, type Store } from '../../../api/store';
import { freshDatabase } from '../../helpers/pg';
import { raceWorkers } from './helpers';

interface Harness {
  /** A new store instance on the same data. */
  open(): Promise<Store>;
  /** Options for `openStore` that reach the same data (child processes use them). */
  openStoreOptions: { databaseUrl?: string; dataDir: string };
  /** Runs raw SQL against the data, bypassing the store (to prove what the schema itself refuses). */
  raw(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

const graph = { nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }], edges: [] };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function runStoreContract(name: string, make: () => Promise<Harness>) {
  describe(`${name} store contract`, () => {
    let h: Harness;
    let store: Store;
    beforeAll(async () => {
      h = await make();
      store = await h.open();
    });
    afterAll(async () => {
      await store?.close();
      await h?.cleanup();
    });

    it('reports its kind and readiness', async () => {
      expect(store.kind).toBe(name);
      expect(await store.ready()).toBe(true);
    });

    it('keeps settings as JSON under keys', async () => {
      expect(await store.getSetting('jwt')).toBeNull();
      await store.putSetting('jwt', { a: [1, 'x'], nested: { ok: true } });
      expect(await store.getSetting('jwt')).toEqual({ a: [1, 'x'], nested: { ok: true } });
      await store.putSetting('jwt', { a: [2] });
      await store.putSetting('suite', 'strict');
      expect(await store.getSetting('jwt')).toEqual({ a: [2] });
      expect(await store.getSetting('suite')).toBe('strict');
    });

    describe('entitlements and products', () => {
      it('keeps an entitlement tree with upserts', async () => {
        expect(await store.putEntitlement({ id: 'all', name: 'All', parentId: null })).toEqual({
          id: 'all',
          name: 'All',
          parentId: null,
        });
        await store.putEntitlement({ id: 'premium', name: 'Premium', parentId: 'all' });
        await store.putEntitlement({ id: 'news', name: 'news', parentId: 'all' });
        await store.putEntitlement({ id: 'news', name: 'News', parentId: 'premium' }); // rename and move
        expect(await store.getEntitlement('news')).toEqual({ id: 'news', name: 'News', parentId: 'premium' });
        expect(await store.getEntitlement('ghost')).toBeNull();
        expect(await store.listEntitlements()).toEqual([
          { id: 'all', name: 'All', parentId: null },
          { id: 'news', name: 'News', parentId: 'premium' },
          { id: 'premium', name: 'Premium', parentId: 'all' },
        ]);
      });

      it('refuses a parent that closes a cycle, and an unknown parent', async () => {
        await expect(store.putEntitlement({ id: 'all', name: 'All', parentId: 'news' })).rejects.toMatchObject({
          code: 'CF_ENTITLEMENT_CYCLE',
          location: { field: 'parentId' },
        });
        await expect(store.putEntitlement({ id: 'all', name: 'All', parentId: 'all' })).rejects.toMatchObject({
          code: 'CF_ENTITLEMENT_CYCLE',
        });
        await expect(store.putEntitlement({ id: 'x', name: 'X', parentId: 'ghost' })).rejects.toMatchObject({
          code: 'CF_ENTITLEMENT_NOT_FOUND',
        });
        expect((await store.getEntitlement('all'))?.parentId).toBeNull(); // nothing half-applied
        expect(await store.getEntitlement('x')).toBeNull();
      });

      it('lets only one of two racing re-parentings win when together they would close a loop', async () => {
        await store.putEntitlement({ id: 'ra', name: 'A', parentId: null });
        await store.putEntitlement({ id: 'rb', name: 'B', parentId: null });
        const results = await Promise.allSettled([
          store.putEntitlement({ id: 'ra', name: 'A', parentId: 'rb' }),
          store.putEntitlement({ id: 'rb', name: 'B', parentId: 'ra' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'CF_ENTITLEMENT_CYCLE' });
        const parents = [(await store.getEntitlement('ra'))?.parentId, (await store.getEntitlement('rb'))?.parentId];
        expect(parents.filter((p) => p === null)).toHaveLength(1);
      });

      it('keeps products and refuses entitlements that do not exist', async () => {
        const gold = { id: 'gold', name: 'Gold', claimValues: ['gold', 'g'], entitlementIds: ['news'] };
        expect(await store.putProduct(gold)).toEqual(gold);
        await store.putProduct({ id: 'basic', name: 'Basic', claimValues: [], entitlementIds: [] });
        expect(await store.getProduct('gold')).toEqual(gold);
        await store.putProduct({ ...gold, claimValues: ['gold'], entitlementIds: ['news', 'premium'] });
        expect(await store.getProduct('gold')).toEqual({
          ...gold,
          claimValues: ['gold'],
          entitlementIds: ['news', 'premium'],
        });
        await expect(
          store.putProduct({ id: 'bad', name: 'Bad', claimValues: [], entitlementIds: ['news', 'ghost'] }),
        ).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_NOT_FOUND', location: { field: 'entitlementIds.1' } });
        expect(await store.getProduct('bad')).toBeNull();
        expect((await store.listProducts()).map((p) => p.id)).toEqual(['basic', 'gold']);
        expect(await store.getProduct('ghost')).toBeNull();
      });

      it('refuses to delete an entitlement that is a parent or granted by a product', async () => {
        await expect(store.deleteEntitlement('premium')).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_IN_USE' });
        await expect(store.deleteEntitlement('news')).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_IN_USE' });
        expect(await store.getEntitlement('news')).not.toBeNull();
        expect(await store.deleteProduct('gold')).toBe(true);
        expect(await store.deleteProduct('gold')).toBe(false);
        expect(await store.deleteEntitlement('news')).toBe(true);
        expect(await store.deleteEntitlement('news')).toBe(false);
        expect(await store.getEntitlement('news')).toBeNull();
      });
    });

    describe('features', () => {
      it('creates, reads, lists and refuses a taken id', async () => {
        const f = await store.createFeature({
          id: 'article',
          name: 'Article',
          customerEntitlements: ['premium'],
          draft: graph,
        });
        expect(f).toMatchObject({
          id: 'article',
          name: 'Article',
          customerEntitlements: ['premium'],
          publishedVersion: null,
          draft: graph,
          settings: {},
        });
        for (const at of [f.createdAt, f.updatedAt, f.draftUpdatedAt]) expect(Number.isNaN(Date.parse(at))).toBe(false);
        expect(await store.getFeature('article')).toEqual(f);
        await expect(
          store.createFeature({ id: 'article', name: 'again', customerEntitlements: [], draft: graph }),
        ).rejects.toMatchObject({ code: 'CF_FEATURE_EXISTS' });
        expect((await store.getFeature('article'))?.name).toBe('Article');
        expect(await store.getFeature('ghost')).toBeNull();
        await store.createFeature({ id: 'aaa', name: 'First', customerEntitlements: [], draft: {} });
        expect((await store.listFeatures()).map((x) => x.id)).toEqual(['aaa', 'article']);
      });

      it('updates name, entitlements and free-form settings, and saves drafts', async () => {
        const patched = await store.updateFeature('article', { name: 'Articles', settings: { requireSuite: true } });
        expect(patched).toMatchObject({
          name: 'Articles',
          customerEntitlements: ['premium'],
          settings: { requireSuite: true },
        });
        const again = await store.updateFeature('article', {
          customerEntitlements: ['all'],
          settings: { sample: { rate: 0.5 } },
        });
        expect(again).toMatchObject({
          name: 'Articles',
          customerEntitlements: ['all'],
          settings: { requireSuite: true, sample: { rate: 0.5 } },
        });
        const draft = { ...graph, edges: [{ id: 'e', source: 'start', target: 'x', sourceHandle: null }] };
        const saved = await store.saveDraft('article', draft);
        expect(saved.draft).toEqual(draft);
        expect(Date.parse(saved.draftUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(again.draftUpdatedAt));
        expect((await store.getFeature('article'))?.draft).toEqual(draft);
        await expect(store.saveDraft('ghost', graph)).rejects.toMatchObject({ code: 'CF_FEATURE_NOT_FOUND' });
        await expect(store.updateFeature('ghost', { name: 'x' })).rejects.toMatchObject({
          code: 'CF_FEATURE_NOT_FOUND',
        });
      });

      it('deletes a feature with its versions and suites', async () => {
        await store.createFeature({ id: 'doomed', name: 'Doomed', customerEntitlements: [], draft: graph });
        await store.publishVersion('doomed', { graph, compiled: {}, author: 'pm', note: '' });
        await store.putSuite({ id: 'doomed/s', featureId: 'doomed', name: 'S', cases: [] });
        expect(await store.deleteFeature('doomed')).toBe(true);
        expect(await store.deleteFeature('doomed')).toBe(false);
        expect(await store.getFeature('doomed')).toBeNull();
        expect(await store.listVersions('doomed')).toEqual([]);
        expect(await store.getPublished('doomed')).toBeNull();
        expect(await store.getSuite('doomed/s')).toBeNull();
        expect((await store.listPublished()).map((v) => v.featureId)).not.toContain('doomed');
      });
    });

    describe('versions', () => {
      it('publishes immutable numbered versions and points the feature at the newest', async () => {
        await store.createFeature({ id: 'paywall', name: 'Paywall', customerEntitlements: [], draft: graph });
        expect(await store.getPublished('paywall')).toBeNull();
        const seq0 = await store.getChangeSeq();
        const v1 = await store.publishVersion('paywall', {
          graph: { g: 1, nested: [1, { a: 'b' }] },
          compiled: { rules: [1] },
          author: 'ann',
          note: 'first',
        });
        expect(v1).toMatchObject({
          featureId: 'paywall',
          version: 1,
          graph: { g: 1, nested: [1, { a: 'b' }] },
          compiled: { rules: [1] },
          author: 'ann',
          note: 'first',
          rolledBackFrom: null,
        });
        const v2 = await store.publishVersion('paywall', {
          graph: { g: 2 },
          compiled: { rules: [2] },
          author: 'bob',
          note: '',
        });
        const v3 = await store.publishVersion('paywall', {
          graph: v1.graph,
          compiled: v1.compiled,
          author: 'ann',
          note: 'roll back to 1',
          rolledBackFrom: 2,
        });
        expect([v2.version, v3.version]).toEqual([2, 3]);
        expect(v3.rolledBackFrom).toBe(2);
        expect((await store.getFeature('paywall'))?.publishedVersion).toBe(3);
        expect(await store.getPublished('paywall')).toEqual(v3);
        expect(await store.getVersion('paywall', 1)).toEqual(v1);
        expect(await store.getVersion('paywall', 4)).toBeNull();
        expect(await store.getVersion('ghost', 1)).toBeNull();

        const summaries = await store.listVersions('paywall');
        expect(summaries.map((v) => v.version)).toEqual([3, 2, 1]);
        expect(summaries[0]).toEqual({
          featureId: 'paywall',
          version: 3,
          author: 'ann',
          note: 'roll back to 1',
          createdAt: v3.createdAt,
          rolledBackFrom: 2,
        });
        expect(summaries[0]).not.toHaveProperty('graph');
        expect(summaries[0]).not.toHaveProperty('compiled');

        const published = (await store.listPublished()).find((v) => v.featureId === 'paywall');
        expect(published).toMatchObject({ featureId: 'paywall', version: 3, graph: v1.graph, compiled: v1.compiled });

        expect(await store.getChangeSeq()).toBe(seq0 + 3);
        const changes = await store.changesSince(seq0);
        expect(changes).toEqual([
          { seq: seq0 + 1, featureId: 'paywall', version: 1 },
          { seq: seq0 + 2, featureId: 'paywall', version: 2 },
          { seq: seq0 + 3, featureId: 'paywall', version: 3 },
        ]);
        expect(await store.changesSince(seq0 + 1, 1)).toEqual([changes[1]]);
        expect(await store.changesSince(seq0 + 3)).toEqual([]);

        await expect(
          store.publishVersion('ghost', { graph, compiled: {}, author: 'pm', note: '' }),
        ).rejects.toMatchObject({ code: 'CF_FEATURE_NOT_FOUND' });
      });

      it('offers no way to change a version, and the schema itself refuses an UPDATE', async () => {
        const methods = Object.keys(store).filter((k) => /version/i.test(k));
        expect(methods.sort()).toEqual(['getVersion', 'listVersions', 'publishVersion']);
        await expect(h.raw("UPDATE versions SET note = 'changed' WHERE feature_id = 'paywall'")).rejects.toThrow(
          /immutable/,
        );
        expect((await store.getVersion('paywall', 1))?.note).toBe('first');
      });

      it('gives 20 concurrent publishes the numbers 1..20, each exactly once', async () => {
        await store.createFeature({ id: 'busy', name: 'Busy', customerEntitlements: [], draft: graph });
        const other = await h.open();
        try {
          const published = await Promise.all(
            range(1, 20).map((i) =>
              (i % 2 ? store : other).publishVersion('busy', {
                graph: { i },
                compiled: { i },
                author: 'pm',
                note: `n${i}`,
              }),
            ),
          );
          expect(published.map((v) => v.version).sort((a, b) => a - b)).toEqual(range(1, 20));
          expect((await store.getFeature('busy'))?.publishedVersion).toBe(20);
          expect((await store.listVersions('busy')).map((v) => v.version)).toEqual(range(1, 20).reverse());
          for (const v of published) expect((await store.getVersion('busy', v.version))?.graph).toEqual(v.graph);
        } finally {
          await other.close();
        }
      });

      it("tells another instance's onChange listeners about a publish within a second", async () => {
        await store.createFeature({ id: 'watched', name: 'Watched', customerEntitlements: [], draft: graph });
        const other = await h.open();
        try {
          const heard: ChangeEvent[] = [];
          const first = new Promise<ChangeEvent>((resolve) =>
            other.onChange((e) => {
              heard.push(e);
              resolve(e);
            }),
          );
          const unsubscribed: ChangeEvent[] = [];
          other.onChange((e) => unsubscribed.push(e))();
          const started = Date.now();
          await store.publishVersion('watched', { graph, compiled: {}, author: 'pm', note: '' });
          expect(await first).toEqual({ featureId: 'watched', version: 1 });
          expect(Date.now() - started).toBeLessThan(1000);
          expect(unsubscribed).toEqual([]);
        } finally {
          await other.close();
        }
      });
    });

    describe('suites and the decision log', () => {
      it('keeps suites per feature', async () => {
        const s = await store.putSuite({
          id: 'article/smoke',
          featureId: 'article',
          name: 'Smoke',
          cases: [{ name: 'a' }],
        });
        expect(s).toMatchObject({ id: 'article/smoke', featureId: 'article', name: 'Smoke', cases: [{ name: 'a' }] });
        await store.putSuite({ id: 'article/full', featureId: 'article', name: 'Full', cases: [] });
        await store.putSuite({ id: 'aaa/one', featureId: 'aaa', name: 'One', cases: [] });
        expect((await store.listSuites('article')).map((x) => x.name)).toEqual(['Full', 'Smoke']);
        const updated = await store.putSuite({
          id: 'article/smoke',
          featureId: 'article',
          name: 'Smoke 2',
          cases: [{ name: 'a' }, { name: 'b', input: { x: [1] } }],
        });
        expect(updated.createdAt).toBe(s.createdAt);
        expect(await store.getSuite('article/smoke')).toEqual(updated);
        expect(await store.getSuite('ghost')).toBeNull();
        await expect(store.putSuite({ id: 'ghost/s', featureId: 'ghost', name: 'S', cases: [] })).rejects.toMatchObject(
          { code: 'CF_FEATURE_NOT_FOUND' },
        );
        expect(await store.deleteSuite('article/full')).toBe(true);
        expect(await store.deleteSuite('article/full')).toBe(false);
        expect((await store.listSuites('article')).map((x) => x.id)).toEqual(['article/smoke']);
      });

      it('lists the newest entries first, filters by time, and trims to the newest rows', async () => {
        for (let i = 0; i < 12; i++)
          await store.appendDecisionLog({
            featureId: 'article',
            version: 1,
            at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
            input: { i, claims: { sub: 'redacted' } },
            decision: i % 2 ? 'paywall' : 'article',
            path: ['start', `n${i}`],
          });
        await store.appendDecisionLog({
          featureId: 'aaa',
          version: 1,
          at: new Date(Date.UTC(2030, 0, 1)).toISOString(),
          input: {},
          decision: null,
          path: [],
        });
        const all = await store.listDecisionLog('article');
        expect(all.map((e) => (e.input as { i: number }).i)).toEqual(range(0, 11).reverse());
        expect(all[0]).toEqual({
          featureId: 'article',
          version: 1,
          at: '2030-01-01T00:00:11.000Z',
          input: { i: 11, claims: { sub: 'redacted' } },
          decision: 'paywall',
          path: ['start', 'n11'],
        });
        expect((await store.listDecisionLog('article', { limit: 3 })).map((e) => (e.input as { i: number }).i)).toEqual(
          [11, 10, 9],
        );
        const since = await store.listDecisionLog('article', { since: '2030-01-01T00:00:09.000Z' });
        expect(since.map((e) => (e.input as { i: number }).i)).toEqual([11, 10, 9]);
        await store.trimDecisionLog('article', 5);
        expect((await store.listDecisionLog('article')).map((e) => (e.input as { i: number }).i)).toEqual([
          11, 10, 9, 8, 7,
        ]);
        expect(await store.listDecisionLog('aaa')).toHaveLength(1); // other features untouched
        await store.trimDecisionLog('article', 0);
        expect(await store.listDecisionLog('article')).toEqual([]);
      });
    });

    // Trial meters: test/api/store/meter-contract.test.ts runs the meter contract on SQLite, PostgreSQL and Redis.
    it('four processes racing: exactly 10 of 200 meter uses allowed, publishes numbered 1..20', async () => {
      await store.createFeature({ id: 'raced', name: 'Raced', customerEntitlements: [], draft: graph });
      const results = await raceWorkers(
        range(0, 3).map((worker) => ({
          ...h.openStoreOptions,
          featureId: 'raced',
          tracker: 'process-race',
          visitor: 'v',
          allowance: 10,
          consumes: range(worker * 50, worker * 50 + 49),
          publishes: 5,
          worker,
        })),
      );
      expect(results.reduce((n, r) => n + r.allowed, 0)).toBe(10);
      expect(results.reduce((n, r) => n + r.counted, 0)).toBe(10);
      const versions = results.flatMap((r) => r.versions);
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(range(1, 20));
      for (const v of versions) expect((await store.getVersion('raced', v.version))?.graph).toEqual(v.graph);
      expect((await store.getFeature('raced'))?.publishedVersion).toBe(20);
      expect(
        (
          await store.peekMeter({
            tracker: 'process-race',
            visitor: 'v',
            windowStart: 0,
            now: 2_000_000,
            allowance: 10,
            contentId: 'fresh',
            counting: 'uniqueContent',
          })
        ).used,
      ).toBe(10);
    }, 30_000);

    describe('catalogue references', () => {
      const usingProduct = (...products: string[]) => ({
        nodes: [
          { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
          ...products.map((p, i) => ({
            id: `n${i}`,
            type: 'product',
            position: { x: 0, y: 0 },
            data: { products: [p] },
          })),
        ],
        edges: [],
      });

      it('refuses to delete a product named by a draft or the published version, listing them', async () => {
        await store.putEntitlement({ id: 'ref-ent', name: 'Ref', parentId: null });
        await store.putProduct({ id: 'ref-p', name: 'Ref', claimValues: [], entitlementIds: ['ref-ent'] });
        await store.createFeature({ id: 'ref-a', name: 'A', customerEntitlements: [], draft: usingProduct('ref-p') });
        await expect(store.deleteProduct('ref-p')).rejects.toMatchObject({
          code: 'CF_PRODUCT_IN_USE',
          details: { features: [{ feature: 'ref-a', draft: true, versions: [] }] },
        });
        await store.publishVersion('ref-a', { graph: usingProduct('ref-p'), compiled: {}, author: 't', note: '' });
        await store.saveDraft('ref-a', graph);
        await expect(store.deleteProduct('ref-p')).rejects.toMatchObject({
          code: 'CF_PRODUCT_IN_USE',
          details: { features: [{ feature: 'ref-a', draft: false, versions: [1] }] },
        });
        await store.publishVersion('ref-a', { graph, compiled: {}, author: 't', note: '' });
        expect(await store.deleteProduct('ref-p')).toBe(true);
        expect(await store.getProduct('ref-p')).toBeNull();
      });

      it('refuses to publish a graph naming a product that does not exist, naming the node', async () => {
        await expect(
          store.publishVersion('ref-a', { graph: usingProduct('ref-p'), compiled: {}, author: 't', note: '' }),
        ).rejects.toMatchObject({ code: 'CF_PRODUCT_UNKNOWN', location: { nodeId: 'n0', field: 'data.products.0' } });
        expect((await store.getFeature('ref-a'))?.publishedVersion).toBe(2);
      });

      it('refuses customer entitlements that do not exist, and deleting one a feature names', async () => {
        await expect(
          store.createFeature({ id: 'ref-b', name: 'B', customerEntitlements: ['ref-ent', 'ghost'], draft: graph }),
        ).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_UNKNOWN', location: { field: 'customerEntitlements.1' } });
        expect(await store.getFeature('ref-b')).toBeNull();
        await expect(store.updateFeature('ref-a', { customerEntitlements: ['ghost'] })).rejects.toMatchObject({
          code: 'CF_ENTITLEMENT_UNKNOWN',
        });
        await store.updateFeature('ref-a', { customerEntitlements: ['ref-ent'] });
        await expect(store.deleteEntitlement('ref-ent')).rejects.toMatchObject({
          code: 'CF_ENTITLEMENT_IN_USE',
          details: { children: [], products: [], features: ['ref-a'] },
        });
        await store.updateFeature('ref-a', { customerEntitlements: [] });
        expect(await store.deleteEntitlement('ref-ent')).toBe(true);
      });

      it('a feature update racing the deletion of the entitlement it names: one of them is refused', async () => {
        const other = await h.open();
        try {
          for (const i of range(1, 15)) {
            const id = `race-e${i}`;
            await store.putEntitlement({ id, name: id, parentId: null });
            const [updated, deleted] = await Promise.allSettled([
              store.updateFeature('ref-a', { customerEntitlements: [id] }),
              other.deleteEntitlement(id),
            ]);
            const ok = [updated.status === 'fulfilled', deleted.status === 'fulfilled'];
            expect(ok.filter(Boolean)).toHaveLength(1);
            const failure = (
              updated.status === 'rejected' ? updated.reason : (deleted as PromiseRejectedResult).reason
            ) as {
              code: string;
            };
            expect(failure.code).toBe(
              updated.status === 'rejected' ? 'CF_ENTITLEMENT_UNKNOWN' : 'CF_ENTITLEMENT_IN_USE',
            );
            const named = (await store.getFeature('ref-a'))?.customerEntitlements ?? [];
            expect(named.includes(id) && (await store.getEntitlement(id)) === null).toBe(false);
          }
          await store.updateFeature('ref-a', { customerEntitlements: [] });
        } finally {
          await other.close();
        }
      });

      it('a publish racing the deletion of the product it names: one of them is refused, never both pass', async () => {
        const other = await h.open();
        try {
          for (const i of range(1, 15)) {
            const id = `race-p${i}`;
            await store.putProduct({ id, name: id, claimValues: [], entitlementIds: [] });
            const [published, deleted] = await Promise.allSettled([
              store.publishVersion('ref-a', { graph: usingProduct(id), compiled: {}, author: 't', note: '' }),
              other.deleteProduct(id),
            ]);
            const ok = [published.status === 'fulfilled', deleted.status === 'fulfilled'];
            expect(ok).not.toEqual([true, true]);
            expect(ok).not.toEqual([false, false]);
            const failure = (
              published.status === 'rejected' ? published.reason : (deleted as PromiseRejectedResult).reason
            ) as {
              code: string;
            };
            expect(failure.code).toBe(published.status === 'rejected' ? 'CF_PRODUCT_UNKNOWN' : 'CF_PRODUCT_IN_USE');
            const live = await store.getPublished('ref-a');
            const usesDeleted =
              JSON.stringify(live?.graph).includes(`"${id}"`) && (await store.getProduct(id)) === null;
            expect(usesDeleted).toBe(false);
          }
        } finally {
          await other.close();
        }
      });
    });

    it('answers CF_STORE_UNAVAILABLE, and is not ready, once closed', async () => {
      const other = await h.open();
      await other.close();
      expect(await other.ready()).toBe(false);
      await expect(other.getFeature('article')).rejects.toMatchObject({ code: 'CF_STORE_UNAVAILABLE' });
      await expect(
        other.consumeMeter({
          tracker: 't',
          visitor: 'v',
          windowStart: 0,
          now: 1,
          allowance: 1,
          contentId: null,
          counting: 'pageViews',
        }),
      ).rejects.toMatchObject({ code: 'CF_STORE_UNAVAILABLE', statusCode: 503 });
    });

    describe('people: users, sessions, API tokens, audit log', () => {
      const actor = { type: 'user' as const, id: 'u-admin', name: 'ada@example.com' };

      it('keeps users with unique case-insensitive emails and never returns the password hash', async () => {
        const u = await store.createUser({
          id: 'u1',
          email: 'Ada@Example.com',
          name: 'Ada',
          role: 'editor',
          passwordHash: 'scrypt$stored',
          subject: null,
        });
        expect(u).toMatchObject({ id: 'u1', email: 'ada@example.com', role: 'editor', hasPassword: true });
        expect(JSON.stringify(u)).not.toContain('scrypt$stored');
        expect(await store.getUserByEmail('ADA@example.COM')).toMatchObject({ id: 'u1' });
        expect(await store.getPasswordHash('u1')).toBe('scrypt$stored');
        await expect(
          store.createUser({
            id: 'u2',
            email: 'ada@example.com',
            name: 'x',
            role: 'viewer',
            passwordHash: null,
            subject: null,
          }),
        ).rejects.toMatchObject({ code: 'CF_USER_EXISTS' });
        const sso = await store.createUser({
          id: 'u3',
          email: 'sso@example.com',
          name: 'S',
          role: 'viewer',
          passwordHash: null,
          subject: 'https://idp|123',
        });
        expect(sso.hasPassword).toBe(false);
        expect(await store.getUserBySubject('https://idp|123')).toMatchObject({ id: 'u3' });
        expect((await store.listUsers()).map((x) => x.id)).toEqual(['u1', 'u3']);
        await expect(store.updateUser('nobody', { role: 'admin' })).rejects.toMatchObject({
          code: 'CF_USER_NOT_FOUND',
        });
      });

      it('extends a live session only later, never an ended one (sliding sessions)', async () => {
        const now = Date.now();
        const at = (ms: number) => new Date(now + ms).toISOString();
        await store.createUser({
          id: 'u-slide',
          email: 'slide@example.com',
          name: 'Slide',
          role: 'viewer',
          passwordHash: null,
          subject: null,
        });
        await store.createSession({ idHash: 's-slide', userId: 'u-slide', createdAt: at(0), expiresAt: at(60_000) });
        expect(await store.extendSession('s-slide', at(120_000))).toBe(true);
        expect((await store.getSession('s-slide'))?.session.expiresAt).toBe(at(120_000));
        // Never earlier.
        expect(await store.extendSession('s-slide', at(90_000))).toBe(false);
        expect((await store.getSession('s-slide'))?.session.expiresAt).toBe(at(120_000));
        // An ended session stays ended.
        await store.createSession({
          idHash: 's-ended',
          userId: 'u-slide',
          createdAt: at(-5_000),
          expiresAt: at(-1_000),
        });
        expect(await store.extendSession('s-ended', at(60_000))).toBe(false);
        expect(await store.getSession('s-ended')).toBeNull();
        expect(await store.extendSession('s-unknown', at(60_000))).toBe(false);
      });

      it('finds live sessions only, and ends them on sign-out, password change and user deletion', async () => {
        const in1h = new Date(Date.now() + 3_600_000).toISOString();
        const past = new Date(Date.now() - 1000).toISOString();
        await store.createSession({
          idHash: 's-live',
          userId: 'u1',
          createdAt: new Date().toISOString(),
          expiresAt: in1h,
        });
        await store.createSession({ idHash: 's-old', userId: 'u1', createdAt: past, expiresAt: past });
        expect((await store.getSession('s-live'))?.user).toMatchObject({ id: 'u1', role: 'editor' });
        expect(await store.getSession('s-old')).toBeNull();
        expect(await store.deleteSession('s-live')).toBe(true);
        expect(await store.getSession('s-live')).toBeNull();

        await store.createSession({
          idHash: 's-2',
          userId: 'u1',
          createdAt: new Date().toISOString(),
          expiresAt: in1h,
        });
        await store.updateUser('u1', { role: 'publisher' });
        expect((await store.getSession('s-2'))?.user.role).toBe('publisher');
        await store.updateUser('u1', { passwordHash: 'scrypt$new' });
        expect(await store.getSession('s-2')).toBeNull();
        expect(await store.getPasswordHash('u1')).toBe('scrypt$new');

        await store.createSession({
          idHash: 's-3',
          userId: 'u3',
          createdAt: new Date().toISOString(),
          expiresAt: in1h,
        });
        expect(await store.deleteUser('u3')).toBe(true);
        expect(await store.getSession('s-3')).toBeNull();
      });

      it('keeps API tokens hashed, stamps their last use, and refuses revoked or expired ones', async () => {
        const t = await store.createApiToken({
          id: 't1',
          name: 'ci',
          role: 'publisher',
          hash: 'h-1',
          createdBy: 'ada@example.com',
          createdAt: new Date().toISOString(),
          expiresAt: null,
        });
        expect(t).toMatchObject({ id: 't1', name: 'ci', role: 'publisher', lastUsedAt: null, revokedAt: null });
        expect(JSON.stringify(await store.listApiTokens())).not.toContain('h-1');
        const used = await store.touchApiToken('h-1');
        expect(used?.lastUsedAt).not.toBeNull();
        expect(await store.touchApiToken('nope')).toBeNull();
        await store.createApiToken({
          id: 't2',
          name: 'old',
          role: 'viewer',
          hash: 'h-2',
          createdBy: 'x',
          createdAt: new Date(Date.now() - 5000).toISOString(),
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        });
        expect(await store.touchApiToken('h-2')).toBeNull();
        expect(await store.revokeApiToken('t1')).toBe(true);
        expect(await store.revokeApiToken('t1')).toBe(false);
        expect(await store.touchApiToken('h-1')).toBeNull();
      });

      it('writes an audit entry with the change, redacting secrets, and filters and pages it', async () => {
        await store.putSetting(
          'jwt',
          { key: { kind: 'secret', secret: 'x'.repeat(40) } },
          {
            actor,
            action: 'settings.jwt.update',
            target: 'settings:jwt',
            before: null,
            after: { key: { kind: 'secret', secret: 'x'.repeat(40) } },
          },
        );
        await store.createFeature(
          { id: 'audited', name: 'A', customerEntitlements: [], draft: graph },
          {
            actor,
            action: 'feature.create',
            target: 'feature:audited',
            afterOf: (f) => ({ id: f.id, name: f.name }),
          },
        );
        const v = await store.publishVersion(
          'audited',
          { graph, compiled: {}, author: actor.name, note: '' },
          {
            actor: { type: 'token', id: 't9', name: 'ci' },
            action: 'feature.publish',
            target: 'feature:audited',
            afterOf: (r) => ({ version: r.version }),
          },
        );
        const entries = await store.listAudit();
        expect(entries.slice(0, 3).map((e) => e.action)).toEqual([
          'feature.publish',
          'feature.create',
          'settings.jwt.update',
        ]);
        expect(entries[0]).toMatchObject({ actor: { type: 'token', id: 't9' }, after: { version: v.version } });
        expect(entries[2].after).toEqual({ key: { kind: 'secret', secret: '[redacted]' } });
        expect(JSON.stringify(entries)).not.toContain('x'.repeat(40));
        expect((await store.listAudit({ actor: 'ci' })).map((e) => e.action)).toEqual(['feature.publish']);
        expect((await store.listAudit({ target: 'feature:*' })).length).toBe(2);
        expect((await store.listAudit({ action: 'feature.create' })).length).toBe(1);
        const page1 = await store.listAudit({ limit: 2 });
        const page2 = await store.listAudit({ limit: 2, before: page1[1].id });
        expect(page2[0].id).toBeLessThan(page1[1].id);
        expect(await store.listAudit({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
        expect((await store.listAudit({ to: new Date(Date.now() + 60_000).toISOString() })).length).toBe(
          entries.length,
        );
      });

      it('writes neither the change nor its entry when the change fails', async () => {
        const before = (await store.listAudit()).length;
        await expect(
          store.createFeature(
            { id: 'audited', name: 'again', customerEntitlements: [], draft: graph },
            {
              actor,
              action: 'feature.create',
              target: 'feature:audited',
            },
          ),
        ).rejects.toMatchObject({ code: 'CF_FEATURE_EXISTS' });
        await expect(
          store.putEntitlement({ id: 'orphan', name: 'o', parentId: 'missing' }, { actor, action: 'x', target: 'y' }),
        ).rejects.toMatchObject({ code: 'CF_ENTITLEMENT_NOT_FOUND' });
        expect((await store.listAudit()).length).toBe(before);
      });

      it('keeps the audit log append-only even for raw SQL', async () => {
        await expect(h.raw("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only/);
        await expect(h.raw('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      });
    });
  });
}

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-store-'));
  return {
    open: () => openSqliteStore({ dataDir: dir }),
    openStoreOptions: { dataDir: dir },
    raw: async (sql) => {
      const db = new Database(join(dir, 'claimflow.db'));
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

runStoreContract('postgres', async () => {
  const db = await freshDatabase();
  return {
    open: () => openPostgresStore({ url: db.url, poolSize: 12 }),
    openStoreOptions: { databaseUrl: db.url, dataDir: join(tmpdir(), 'cf-unused') },
    raw: async (sql) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
    cleanup: db.drop,
  };
});

describe('openStore', () => {
  it('chooses PostgreSQL for postgres:// and postgresql:// URLs and SQLite otherwise', async () => {
    const db = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'cf-open-'));
    try {
      for (const url of [db.url, db.url.replace(/^postgres:/, 'postgresql:')]) {
        const s = await openStore({ databaseUrl: url, dataDir: dir });
        expect(s.kind).toBe('postgres');
        await s.close();
      }
      for (const databaseUrl of [undefined, '']) {
        const s = await openStore({ databaseUrl, dataDir: dir });
        expect(s.kind).toBe('sqlite');
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it('refuses an unreachable PostgreSQL with CF_STORE_UNAVAILABLE', async () => {
    await expect(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toMatchObject({
      code: 'CF_STORE_UNAVAILABLE',
    });
  });

  it('migrates once when several PostgreSQL instances start at the same time', async () => {
    const db = await freshDatabase();
    try {
      const stores = await Promise.all(range(1, 4).map(() => openPostgresStore({ url: db.url, poolSize: 2 })));
      expect(await Promise.all(stores.map((s) => s.ready()))).toEqual([true, true, true, true]);
      await Promise.all(stores.map((s) => s.close()));
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const rows = (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows;
      // meters are counted by the batch function only; the one-use function of issue 6 is dropped by a migration
      const functions = (
        await c.query("SELECT proname FROM pg_proc WHERE proname LIKE 'claimflow_consume_meter%' ORDER BY proname")
      ).rows.map((r) => r.proname);
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(range(1, rows.length));
      expect(functions).toEqual(['claimflow_consume_meters']);
    } finally {
      await db.drop();
    }
  });
});
