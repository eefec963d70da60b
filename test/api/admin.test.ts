import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CompiledFeature, evaluate } from '../../engine';
import { createReferenceEvaluator } from '../../engine/rules-engine';
import { ADMIN_KEY, admin, hs256, SECRET, setupZephr, testApp, zephrGraph } from './helpers';

let app: FastifyInstance;
let close: () => Promise<void>;
let logs: string;

beforeEach(async () => {
  logs = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  ({ app, close } = await testApp({ logger: { level: 'trace', stream } }));
  await setupZephr(app);
});
afterEach(async () => close());

const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = admin) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('admin auth', () => {
  it('refuses requests without or with a wrong key, and never guards the public API', async () => {
    expect((await call('GET', '/admin/v1/features', undefined, {} as typeof admin)).json().error.code).toBe(
      'CF_AUTH_REQUIRED',
    );
    const wrong = await call('GET', '/admin/v1/features', undefined, { 'x-claimflow-admin-key': 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('CF_AUTH_INVALID');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      ready: true,
      store: 'sqlite',
    });
  });
});

describe('settings', () => {
  it('never echoes the secret, keeps it on request, refuses short secrets naming the field', async () => {
    const got = (await call('GET', '/admin/v1/settings/jwt')).json();
    expect(got.key).toEqual({ kind: 'secret', secretSet: true });
    expect(JSON.stringify(got)).not.toContain(SECRET);
    const short = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'secret', secret: 'short' },
      algorithms: ['HS256'],
    });
    expect(short.statusCode).toBe(422);
    expect(short.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field: 'body.key.secret' });
    const none = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'secret', keep: true },
      algorithms: ['none'],
    });
    expect(none.json().error.field).toBe('body.algorithms.0');
    await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${await hs256({ sub: 'x' })}` },
      payload: { feature: 'article' },
    });
    expect(logs.length).toBeGreaterThan(100);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(ADMIN_KEY);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no token
  });
});

describe('catalogue', () => {
  it('refuses entitlement cycles and unknown entitlements on products', async () => {
    await call('PUT', '/admin/v1/entitlements/news', { name: 'News', parentId: 'premium' });
    const cycle = await call('PUT', '/admin/v1/entitlements/premium', { name: 'Premium', parentId: 'news' });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error).toMatchObject({ code: 'CF_ENTITLEMENT_CYCLE', field: 'parentId' });
    const bad = await call('PUT', '/admin/v1/products/silver', {
      name: 'Silver',
      claimValues: ['silver'],
      entitlementIds: ['ghost'],
    });
    expect(bad.json().error).toMatchObject({ code: 'CF_ENTITLEMENT_NOT_FOUND', field: 'body.entitlementIds.0' });
    expect((await call('GET', '/admin/v1/products')).json()).toEqual([
      { id: 'gold', name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] },
    ]);
  });

  it('grants entitlement descendants: a product granting the parent makes customers of a child-entitled feature', async () => {
    await call('PUT', '/admin/v1/entitlements/news', { name: 'News', parentId: 'premium' });
    await call('PATCH', '/admin/v1/features/article', { customerEntitlements: ['news'] });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${await hs256({ sub: 'u', prodsub: 'gold' })}` },
      payload: { feature: 'article' },
    });
    expect(res.json()).toMatchObject({
      userState: 'customer',
      entitlements: ['news', 'premium'],
      decision: 'fullArticle',
    });
  });
});

describe('features and versions', () => {
  it('lists features with the published version and whether the draft differs', async () => {
    expect((await call('GET', '/admin/v1/features')).json()).toMatchObject([
      { id: 'article', publishedVersion: 1, draftDiffers: false },
    ]);
    const g = zephrGraph() as { nodes: { id: string; position: { x: number } }[] };
    g.nodes[0].position.x = 99;
    await call('PUT', '/admin/v1/features/article/draft', { graph: g });
    expect((await call('GET', '/admin/v1/features')).json()[0].draftDiffers).toBe(true);
    expect((await call('POST', '/admin/v1/features', { id: 'article', name: 'dup' })).json().error.code).toBe(
      'CF_FEATURE_EXISTS',
    );
    expect((await call('POST', '/admin/v1/features', { id: 'bad id!', name: 'x' })).json().error.field).toBe('body.id');
  });

  it('saves drafts with problems, validates every problem, refuses to publish invalid graphs', async () => {
    const g = zephrGraph() as { edges: { id: string }[] };
    g.edges = g.edges.filter((e) => e.id !== 'e-gold-no');
    const saved = await call('PUT', '/admin/v1/features/article/draft', { graph: g });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().problems).toMatchObject([
      { code: 'CF_BRANCH_UNCONNECTED', severity: 'warning', nodeId: 'gold' },
    ]);
    expect((await call('POST', '/admin/v1/features/article/validate', {})).json()).toMatchObject({
      ok: false,
      problems: [{ severity: 'error', nodeId: 'gold' }],
    });
    const pub = await call('POST', '/admin/v1/features/article/publish', { note: 'broken' });
    expect(pub.statusCode).toBe(422);
    expect(pub.json().error).toMatchObject({
      code: 'CF_GRAPH_NOT_VALID',
      problems: [{ code: 'CF_BRANCH_UNCONNECTED' }],
    });
    expect((await call('PUT', '/admin/v1/features/article/draft', { graph: { nodes: 'x' } })).json().error.code).toBe(
      'CF_GRAPH_INVALID',
    );
  });

  it('publishes immutable numbered versions, rolls back by publishing a copy, exports runnable rules', async () => {
    const g = zephrGraph() as { nodes: { id: string; data: Record<string, unknown> }[] };
    g.nodes.find((n) => n.id === 'regwall')!.data.decision = 'softWall';
    await call('PUT', '/admin/v1/features/article/draft', { graph: g });
    expect(
      (await call('POST', '/admin/v1/features/article/publish', { note: 'soft wall', author: 'ana' })).json().version,
    ).toBe(2);
    const anon = () => app.inject({ method: 'POST', url: '/v1/decisions', payload: { feature: 'article' } });
    expect((await anon()).json()).toMatchObject({ decision: 'softWall', version: 2 });
    const rb = await call('POST', '/admin/v1/features/article/rollback', { version: 1 });
    expect(rb.json()).toMatchObject({ version: 3, rolledBackFrom: 1 });
    expect((await anon()).json()).toMatchObject({ decision: 'registrationWall', version: 3 });
    const versions = (await call('GET', '/admin/v1/features/article/versions')).json();
    expect(
      versions.map((v: { version: number; author: string; note: string }) => [v.version, v.author, v.note]),
    ).toEqual([
      [3, 'admin', 'rollback to version 1'],
      [2, 'ana', 'soft wall'],
      [1, 'pm', 'first'],
    ]);
    expect(
      (await call('GET', '/admin/v1/features/article/versions/2'))
        .json()
        .graph.nodes.find((n: { id: string }) => n.id === 'regwall').data.decision,
    ).toBe('softWall');
    expect((await call('GET', '/admin/v1/features/article/versions/9')).json().error.code).toBe('CF_VERSION_NOT_FOUND');
    const exported = (await call('GET', '/admin/v1/features/article/versions/1/export')).json() as CompiledFeature;
    const facts = {
      userState: 'registered' as const,
      products: [],
      entitlements: [],
      claims: { state: 'Alabama' },
      request: {},
      buckets: {},
      trials: {},
    };
    expect((await createReferenceEvaluator(exported).evaluate(facts)).decision).toBe('regionalOffer');
    expect(evaluate(exported, facts).decision).toBe('regionalOffer');
  });

  it('tests claims or a token against the draft or a version, with path and trace, recording nothing', async () => {
    const byClaims = await call('POST', '/admin/v1/features/article/test', {
      against: 'draft',
      claims: { sub: 'u', state: 'Alabama' },
    });
    expect(byClaims.json()).toMatchObject({
      decision: 'regionalOffer',
      version: 'draft',
      userState: 'registered',
      path: ['start', 'state', 'alabama', 'offer'],
    });
    expect(byClaims.json().trace.alabama).toMatchObject({ branch: 'yes', value: 'Alabama' });
    const byToken = await call('POST', '/admin/v1/features/article/test', {
      against: 1,
      token: await hs256({ sub: 'u', prodsub: 'gold' }),
    });
    expect(byToken.json()).toMatchObject({
      decision: 'fullArticle',
      version: 1,
      token: { status: 'valid' },
      products: ['gold'],
    });
    const bad = await call('POST', '/admin/v1/features/article/test', { against: 1, token: 'x.y.z' });
    expect(bad.json()).toMatchObject({ decision: 'registrationWall', token: { status: 'invalid' } });
  });
  it('tests a graph sent with the request in place of the draft, without saving it, and says which graph it tested', async () => {
    const before = (await call('GET', '/admin/v1/features/article')).json().draft;
    const graph = zephrGraph() as { nodes: { id: string; data: Record<string, unknown> }[] };
    const offer = graph.nodes.find((n) => n.id === 'offer');
    if (!offer) throw new Error('the Zephr graph has an offer outcome');
    offer.data.decision = 'canvasOffer';
    const res = await call('POST', '/admin/v1/features/article/test', {
      claims: { sub: 'u', state: 'Alabama' },
      graph,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ decision: 'canvasOffer', version: 'draft', tested: 'graph' });
    // Nothing was saved: the stored draft still answers as before.
    expect((await call('GET', '/admin/v1/features/article')).json().draft).toEqual(before);
    const stored = await call('POST', '/admin/v1/features/article/test', { claims: { sub: 'u', state: 'Alabama' } });
    expect(stored.json()).toMatchObject({ decision: 'regionalOffer', tested: 'draft' });
    expect((await call('POST', '/admin/v1/features/article/test', { against: 1, claims: {} })).json().tested).toBe(1);

    // A graph is validated like a draft: its problem names the node.
    offer.data.decision = '';
    const invalid = await call('POST', '/admin/v1/features/article/test', { claims: {}, graph });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error).toMatchObject({ code: 'CF_GRAPH_NOT_VALID', nodeId: 'offer' });
    // A graph replaces the draft only: with a version it is refused, naming the field.
    const mixed = await call('POST', '/admin/v1/features/article/test', { against: 1, claims: {}, graph });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.against' });
  });
});

describe('errors', () => {
  it('413 for bodies over the limit, 404 with a code for unknown routes, 400 for bad JSON', async () => {
    const { app: small, close: closeSmall } = await testApp({ bodyLimit: 2048 });
    try {
      const res = await small.inject({ method: 'POST', url: '/v1/decisions', payload: { feature: 'x'.repeat(5000) } });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('CF_BODY_TOO_LARGE');
    } finally {
      await closeSmall();
    }
    const nf = await app.inject({ method: 'GET', url: '/v1/nothing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('CF_NOT_FOUND');
    const badJson = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { 'content-type': 'application/json' },
      payload: '{"feature": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('CF_REQUEST_INVALID');
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/decisions', '/admin/v1/features/{id}/publish']),
    );
  });
});
