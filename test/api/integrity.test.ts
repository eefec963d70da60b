/**
 * Data integrity over the admin API: catalogue entries still in use cannot be deleted, features cannot name
 * entitlements that do not exist, and a rollback passes the same `requireSuite` gate as a publish. Every case runs on
 * the embedded SQLite store and on the real PostgreSQL (a fresh database per test).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/pg';
import { admin, hs256, setupZephr, testApp, zephrGraph } from './helpers';

let app: FastifyInstance;
let close: () => Promise<void>;

const call = (method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });

/** The Zephr graph without its product node: customers go straight to the article. */
function graphWithoutGold() {
  const g = zephrGraph() as { nodes: { id: string }[]; edges: { id: string; source: string; target: string }[] };
  g.nodes = g.nodes.filter((n) => n.id !== 'gold');
  g.edges = g.edges.filter((e) => e.source !== 'gold');
  g.edges.find((e) => e.id === 'e-cust')!.target = 'article';
  return g;
}

const goldDecision = async () =>
  (
    await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${await hs256({ sub: 'g', prodsub: 'gold' })}` },
      payload: { feature: 'article' },
    })
  ).json();

describe.each(['sqlite', 'postgres'] as const)('on the %s store', (kind) => {
  beforeEach(async () => {
    if (kind === 'postgres') {
      const db = await freshDatabase();
      const opened = await testApp({ databaseUrl: db.url });
      app = opened.app;
      close = async () => {
        await opened.close();
        await db.drop();
      };
    } else ({ app, close } = await testApp());
    await setupZephr(app);
  });
  afterEach(async () => close());

  describe('deleting a product in use', () => {
    it('is refused with 409 CF_PRODUCT_IN_USE listing the feature, its draft and its published version', async () => {
      const res = await call('DELETE', '/admin/v1/products/gold');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'CF_PRODUCT_IN_USE',
        field: 'id',
        problems: { features: [{ feature: 'article', draft: true, versions: [1] }] },
      });
      expect(res.json().error.message).toContain('"article" (draft, version 1)');
      expect((await call('GET', '/admin/v1/products')).json().map((p: { id: string }) => p.id)).toEqual(['gold']);
      expect(await goldDecision()).toMatchObject({ decision: 'fullArticle', userState: 'customer' });
    });

    it('is refused while only the published version uses it, then allowed once no version or draft does', async () => {
      await call('PUT', '/admin/v1/features/article/draft', { graph: graphWithoutGold() });
      const published = await call('DELETE', '/admin/v1/products/gold');
      expect(published.statusCode).toBe(409);
      expect(published.json().error.problems).toEqual({
        features: [{ feature: 'article', draft: false, versions: [1] }],
      });

      expect((await call('POST', '/admin/v1/features/article/publish', { note: 'no gold node' })).statusCode).toBe(201);
      expect((await call('DELETE', '/admin/v1/products/gold')).statusCode).toBe(204);
      expect((await call('DELETE', '/admin/v1/products/gold')).json().error.code).toBe('CF_PRODUCT_NOT_FOUND');
    });

    it('is refused while only a draft uses it', async () => {
      await call('POST', '/admin/v1/features', { id: 'other', name: 'Other' });
      const g = zephrGraph();
      await call('PUT', '/admin/v1/features/other/draft', { graph: g });
      await call('PUT', '/admin/v1/features/article/draft', { graph: graphWithoutGold() });
      await call('POST', '/admin/v1/features/article/publish', {});
      const res = await call('DELETE', '/admin/v1/products/gold');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.problems).toEqual({ features: [{ feature: 'other', draft: true, versions: [] }] });
    });

    it('a rollback to a version naming a deleted product is refused with CF_PRODUCT_UNKNOWN naming the node', async () => {
      await call('PUT', '/admin/v1/features/article/draft', { graph: graphWithoutGold() });
      await call('POST', '/admin/v1/features/article/publish', {});
      expect((await call('DELETE', '/admin/v1/products/gold')).statusCode).toBe(204);
      const res = await call('POST', '/admin/v1/features/article/rollback', { version: 1 });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'CF_PRODUCT_UNKNOWN', nodeId: 'gold', field: 'data.products.0' });
      expect((await call('GET', '/admin/v1/features/article')).json().publishedVersion).toBe(2);
    });
  });

  describe('deleting an entitlement in use', () => {
    it("is refused when only a feature's customerEntitlements names it", async () => {
      await call('PUT', '/admin/v1/entitlements/sports', { name: 'Sports' });
      expect((await call('PATCH', '/admin/v1/features/article', { customerEntitlements: ['sports'] })).statusCode).toBe(
        200,
      );
      const res = await call('DELETE', '/admin/v1/entitlements/sports');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'CF_ENTITLEMENT_IN_USE',
        field: 'id',
        problems: { children: [], products: [], features: ['article'] },
      });
      expect((await call('GET', '/admin/v1/entitlements')).json().map((e: { id: string }) => e.id)).toContain('sports');
    });

    it('lists every user at once: children, products and features', async () => {
      await call('PUT', '/admin/v1/entitlements/news', { name: 'News', parentId: 'premium' });
      const res = await call('DELETE', '/admin/v1/entitlements/premium');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.problems).toEqual({ children: ['news'], products: ['gold'], features: ['article'] });
      expect(res.json().error.message).toBe(
        'entitlement "premium" is the parent of "news"; granted by product "gold"; a customer entitlement of feature "article"',
      );
    });

    it('is allowed once nothing names it', async () => {
      await call('PUT', '/admin/v1/entitlements/sports', { name: 'Sports' });
      await call('PATCH', '/admin/v1/features/article', { customerEntitlements: ['sports'] });
      await call('PATCH', '/admin/v1/features/article', { customerEntitlements: ['premium'] });
      expect((await call('DELETE', '/admin/v1/entitlements/sports')).statusCode).toBe(204);
    });
  });

  describe('features naming entitlements', () => {
    it('PATCH with an entitlement that does not exist is refused with 422 naming the field, and changes nothing', async () => {
      const res = await call('PATCH', '/admin/v1/features/article', {
        name: 'Renamed',
        customerEntitlements: ['premium', 'ghost'],
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'CF_ENTITLEMENT_UNKNOWN', field: 'body.customerEntitlements.1' });
      expect((await call('GET', '/admin/v1/features/article')).json()).toMatchObject({
        name: 'Article access',
        customerEntitlements: ['premium'],
      });
    });

    it('POST with an entitlement that does not exist is refused and creates nothing', async () => {
      const res = await call('POST', '/admin/v1/features', { id: 'x', name: 'X', customerEntitlements: ['ghost'] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'CF_ENTITLEMENT_UNKNOWN', field: 'body.customerEntitlements.0' });
      expect((await call('GET', '/admin/v1/features/x')).statusCode).toBe(404);
    });
  });

  describe('rollback and requireSuite', () => {
    it('runs the suites against the version being restored and refuses when one fails', async () => {
      // Version 2 sends Alabama to the paywall; the suite written for version 2 fails on version 1.
      const g = zephrGraph() as { edges: { id: string; target: string }[]; nodes: { id: string }[] };
      g.edges.find((e) => e.id === 'e-al-yes')!.target = 'paywall';
      g.nodes = g.nodes.filter((n) => n.id !== 'offer');
      await call('PUT', '/admin/v1/features/article/draft', { graph: g });
      expect((await call('POST', '/admin/v1/features/article/publish', {})).statusCode).toBe(201);
      await call('PUT', '/admin/v1/features/article/suites/v2', {
        name: 'version 2 rules',
        cases: [
          { name: 'alabama pays', input: { claims: { sub: 'a', state: 'Alabama' } }, expect: { decision: 'paywall' } },
        ],
      });
      await call('PATCH', '/admin/v1/features/article', { settings: { requireSuite: true } });

      const res = await call('POST', '/admin/v1/features/article/rollback', { version: 1 });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'CF_SUITE_FAILED',
        problems: [
          { suite: 'version 2 rules', case: 'alabama pays', mismatches: [expect.stringContaining('paywall')] },
        ],
      });
      expect(res.json().error.message).toMatch(/^rolling back to version 1 needs the feature's suites to pass/);
      expect((await call('GET', '/admin/v1/features/article')).json().publishedVersion).toBe(2);
      expect((await call('GET', '/admin/v1/features/article/versions')).json()).toHaveLength(2);

      // A suite that version 1 passes lets the rollback through.
      await call('PUT', '/admin/v1/features/article/suites/v2', {
        name: 'version 2 rules',
        cases: [
          { name: 'gold reads', input: { claims: { sub: 'g', prodsub: 'gold' } }, expect: { decision: 'fullArticle' } },
        ],
      });
      const ok = await call('POST', '/admin/v1/features/article/rollback', { version: 1 });
      expect(ok.statusCode).toBe(201);
      expect(ok.json()).toMatchObject({ version: 3, rolledBackFrom: 1 });
    });
  });
});
