/** Trial meters and split tests through the decision API (embedded SQLite). */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admin, hs256, setupZephr, testApp } from './helpers';

let app: FastifyInstance;
let close: () => Promise<void>;

const meteredGraph = (allowance: number, tracker = 'articles', counting = 'uniqueContent') => ({
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
    { id: 'state', type: 'userState', position: { x: 0, y: 0 }, data: {} },
    { id: 'meter', type: 'trial', position: { x: 0, y: 0 }, data: { allowance, period: 'P30D', counting, tracker } },
    { id: 'free', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'meteredArticle' } },
    { id: 'wall', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'paywall' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'state' },
    { id: 'e2', source: 'state', target: 'wall', sourceHandle: 'anonymous' },
    { id: 'e3', source: 'state', target: 'meter', sourceHandle: 'registered' },
    { id: 'e4', source: 'state', target: 'wall', sourceHandle: 'customer' },
    { id: 'e5', source: 'meter', target: 'free', sourceHandle: 'allowed' },
    { id: 'e6', source: 'meter', target: 'wall', sourceHandle: 'exhausted' },
  ],
});

async function feature(id: string, graph: unknown) {
  await app.inject({ method: 'POST', url: '/admin/v1/features', headers: admin, payload: { id, name: id } });
  await app.inject({
    method: 'PUT',
    url: `/admin/v1/features/${id}/draft`,
    headers: admin,
    payload: { graph } as object,
  });
  const res = await app.inject({
    method: 'POST',
    url: `/admin/v1/features/${id}/publish`,
    headers: admin,
    payload: {},
  });
  expect(res.statusCode).toBe(201);
}

beforeEach(async () => {
  ({ app, close } = await testApp());
  await setupZephr(app, { publish: false });
});
afterEach(async () => close());

describe('trial meters', () => {
  it('200 concurrent decisions for one visitor with allowance 10 give exactly 10 allowed', async () => {
    await feature('metered', meteredGraph(10));
    const auth = { authorization: `Bearer ${await hs256({ sub: 'reader' })}` };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/v1/decisions',
          headers: auth,
          payload: { feature: 'metered', context: { contentId: `a-${i}` } },
        }),
      ),
    );
    const decisions = results.map((r) => r.json().decision);
    expect(decisions.filter((d) => d === 'meteredArticle')).toHaveLength(10);
    expect(decisions.filter((d) => d === 'paywall')).toHaveLength(190);
  });

  it('re-reading counted content is free; dry runs and tests never count; trackers are shared across features', async () => {
    await feature('metered', meteredGraph(2));
    await feature('metered-too', meteredGraph(2));
    const auth = { authorization: `Bearer ${await hs256({ sub: 'reader' })}` };
    const read = async (featureId: string, contentId: string, dryRun = false) =>
      (
        await app.inject({
          method: 'POST',
          url: '/v1/decisions',
          headers: auth,
          payload: { feature: featureId, context: { contentId }, dryRun },
        })
      ).json().decision;
    expect(await read('metered', 'a', true)).toBe('meteredArticle');
    expect(await read('metered', 'a', true)).toBe('meteredArticle');
    await app.inject({
      method: 'POST',
      url: '/admin/v1/features/metered/test',
      headers: admin,
      payload: { against: 'published', claims: { sub: 'reader' } },
    });
    expect(await read('metered', 'a')).toBe('meteredArticle');
    expect(await read('metered', 'a')).toBe('meteredArticle'); // same article: free
    expect(await read('metered-too', 'b')).toBe('meteredArticle'); // second use, through the other feature
    expect(await read('metered', 'c')).toBe('paywall');
    expect(await read('metered-too', 'a')).toBe('meteredArticle'); // counted content stays readable
  });

  it('page views count every view', async () => {
    await feature('views', meteredGraph(2, 'views', 'pageViews'));
    const auth = { authorization: `Bearer ${await hs256({ sub: 'reader' })}` };
    const read = async () =>
      (
        await app.inject({
          method: 'POST',
          url: '/v1/decisions',
          headers: auth,
          payload: { feature: 'views', context: { contentId: 'same' } },
        })
      ).json().decision;
    expect([await read(), await read(), await read()]).toEqual(['meteredArticle', 'meteredArticle', 'paywall']);
  });
});

describe('split tests', () => {
  it('keep an anonymous visitor in one bucket through the visitor id cookie, and split by weight', async () => {
    const split = {
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
        {
          id: 'ab',
          type: 'bucket',
          position: { x: 0, y: 0 },
          data: {
            testId: 'copy',
            buckets: [
              { id: 'a', weight: 50 },
              { id: 'b', weight: 50 },
            ],
          },
        },
        { id: 'oa', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'variantA' } },
        { id: 'ob', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'variantB' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'ab' },
        { id: 'e2', source: 'ab', target: 'oa', sourceHandle: 'a' },
        { id: 'e3', source: 'ab', target: 'ob', sourceHandle: 'b' },
      ],
    };
    await feature('split', split);
    const first = await app.inject({ method: 'POST', url: '/v1/decisions', payload: { feature: 'split' } });
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    for (let i = 0; i < 5; i++) {
      const again = await app.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: { cookie },
        payload: { feature: 'split' },
      });
      expect(again.json().decision).toBe(first.json().decision);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    const counts = { variantA: 0, variantB: 0 } as Record<string, number>;
    for (let i = 0; i < 200; i++) {
      const auth = { authorization: `Bearer ${await hs256({ sub: `user-${i}` })}` };
      counts[
        (
          await app.inject({ method: 'POST', url: '/v1/decisions', headers: auth, payload: { feature: 'split' } })
        ).json().decision
      ]++;
    }
    expect(counts.variantA).toBeGreaterThan(70);
    expect(counts.variantB).toBeGreaterThan(70);
  });
});

describe('when the meter store is unreachable', () => {
  for (const mode of ['deny', 'allow'] as const) {
    it(`keeps deciding from memory and fails meters to "${mode}"`, async () => {
      const { openSqliteStore } = await import('../../api/store');
      const { tempDir } = await import('./helpers');
      const tmp = tempDir();
      const real = await openSqliteStore({ dataDir: tmp.dir });
      const down = () => Promise.reject(new Error('connection refused'));
      const flaky = Object.assign(Object.create(real), { peekMeter: down, consumeMeter: down });
      const { buildApp } = await import('../../api/app');
      const { ADMIN_KEY } = await import('./helpers');
      const other = await buildApp({
        dataDir: tmp.dir,
        adminKey: ADMIN_KEY,
        store: flaky,
        editorDir: null,
        meterFailureMode: mode,
      });
      try {
        const prev = app;
        app = other;
        await setupZephr(app, { publish: false });
        await feature('metered', meteredGraph(5));
        app = prev;
        const auth = { authorization: `Bearer ${await hs256({ sub: 'reader' })}` };
        const res = await other.inject({
          method: 'POST',
          url: '/v1/decisions',
          headers: auth,
          payload: { feature: 'metered', context: { contentId: 'x' } },
        });
        expect(res.statusCode).toBe(200);
        expect(res.json().decision).toBe(mode === 'deny' ? 'paywall' : 'meteredArticle');
        expect((await other.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
          /claimflow_meter_errors_total \d/,
        );
      } finally {
        await other.close();
        await real.close();
        tmp.cleanup();
      }
    });
  }
});
