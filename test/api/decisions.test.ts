import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admin, hs256, setupZephr, testApp } from './helpers';

let app: FastifyInstance;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ app, close } = await testApp());
  await setupZephr(app);
});
afterEach(async () => close());

const decide = (headers: Record<string, string>, payload: unknown = { feature: 'article' }) =>
  app.inject({ method: 'POST', url: '/v1/decisions', headers, payload: payload as object });

describe('POST /v1/decisions', () => {
  it('answers the four Zephr tutorial visitors', async () => {
    const anon = await decide({});
    expect(anon.statusCode).toBe(200);
    expect(anon.json()).toMatchObject({
      feature: 'article',
      decision: 'registrationWall',
      userState: 'anonymous',
      version: 1,
      path: ['start', 'state', 'regwall'],
      token: { status: 'missing', reason: null },
    });
    const registered = await decide({ authorization: `Bearer ${await hs256({ sub: 'u1' })}` });
    expect(registered.json()).toMatchObject({
      decision: 'paywall',
      userState: 'registered',
      token: { status: 'valid' },
    });
    const alabama = await decide({ authorization: `Bearer ${await hs256({ sub: 'u2', state: 'Alabama' })}` });
    expect(alabama.json()).toMatchObject({ decision: 'regionalOffer', payload: { discount: 50, region: 'Alabama' } });
    const gold = await decide({ cookie: `blaize_jwt=${await hs256({ sub: 'u3', prodsub: ['gold'] })}` });
    expect(gold.json()).toMatchObject({
      decision: 'fullArticle',
      userState: 'customer',
      products: ['gold'],
      entitlements: ['premium'],
    });
  });

  it('treats invalid and expired tokens as anonymous, with the reason', async () => {
    const bad = await decide({
      authorization: `Bearer ${await hs256({ sub: 'u1' }, { secret: 'another-secret-that-is-32-bytes-long!!' })}`,
    });
    expect(bad.json()).toMatchObject({ decision: 'registrationWall', token: { status: 'invalid' } });
    expect(bad.json().token.reason).toContain('CF_TOKEN_SIGNATURE_INVALID');
    const expired = await decide({
      authorization: `Bearer ${await hs256({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 3600 })}`,
    });
    expect(expired.json()).toMatchObject({ decision: 'registrationWall', token: { status: 'expired' } });
    const junk = await decide({ authorization: 'Bearer not.a.jwt' });
    expect(junk.statusCode).toBe(200);
    expect(junk.json().token.status).toBe('invalid');
  });

  it('answers 401 for bad tokens in reject mode', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/admin/v1/settings/jwt',
      headers: admin,
      payload: { key: { kind: 'secret', keep: true }, algorithms: ['HS256'], invalidTokenMode: 'reject' },
    });
    expect(put.statusCode).toBe(200);
    const res = await decide({ authorization: `Bearer ${await hs256({ sub: 'u1', exp: 1000 })}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('CF_TOKEN_EXPIRED');
  });

  it('reads the token from a configured custom header with precedence over the cookie', async () => {
    await app.inject({
      method: 'PUT',
      url: '/admin/v1/settings/jwt',
      headers: admin,
      payload: {
        key: { kind: 'secret', keep: true },
        algorithms: ['HS256'],
        tokenSources: { header: 'x-custom-tkn', cookie: 'blaize_jwt', bearer: true },
      },
    });
    const res = await decide({
      'x-custom-tkn': await hs256({ sub: 'u1', state: 'Alabama' }),
      cookie: `blaize_jwt=${await hs256({ sub: 'u1' })}`,
    });
    expect(res.json().decision).toBe('regionalOffer');
  });

  it('answers a batch in request order from one verification', async () => {
    const res = await decide(
      { authorization: `Bearer ${await hs256({ sub: 'u1', state: 'Alabama' })}` },
      { features: ['article', 'article'], context: { device: 'mobile' } },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().decisions.map((d: { decision: string }) => d.decision)).toEqual([
      'regionalOffer',
      'regionalOffer',
    ]);
  });

  it('answers every feature of a batch it can: unknown and unpublished ones get their error code in place', async () => {
    await app.inject({
      method: 'POST',
      url: '/admin/v1/features',
      headers: admin,
      payload: { id: 'draft-only', name: 'x' },
    });
    const res = await decide({}, { features: ['nope', 'article', 'draft-only'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      decisions: [
        { feature: 'nope', error: { code: 'CF_FEATURE_NOT_FOUND' } },
        { feature: 'article', decision: 'registrationWall' },
        { feature: 'draft-only', error: { code: 'CF_FEATURE_NOT_PUBLISHED' } },
      ],
      token: { status: 'missing', reason: null },
    });
  });

  it('GET takes the whole request context: query.<name>, custom.<name>, userAgent, dryRun; refuses unknown names', async () => {
    const node = (id: string, type: string, data: Record<string, unknown>) => ({
      id,
      type,
      position: { x: 0, y: 0 },
      data,
    });
    const graph = {
      nodes: [
        node('start', 'start', {}),
        node('utm', 'request', { property: 'query.utm_source', operator: 'equals', value: 'mail' }),
        node('plan', 'request', { property: 'custom.plan', operator: 'equals', value: 'gold' }),
        node('campaign', 'outcome', { decision: 'campaign' }),
        node('gold', 'outcome', { decision: 'gold' }),
        node('none', 'outcome', { decision: 'none' }),
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'utm', sourceHandle: 'out' },
        { id: 'e2', source: 'utm', target: 'campaign', sourceHandle: 'yes' },
        { id: 'e3', source: 'utm', target: 'plan', sourceHandle: 'no' },
        { id: 'e4', source: 'plan', target: 'gold', sourceHandle: 'yes' },
        { id: 'e5', source: 'plan', target: 'none', sourceHandle: 'no' },
      ],
    };
    for (const [method, url, payload] of [
      ['POST', '/admin/v1/features', { id: 'ctx', name: 'context' }],
      ['PUT', '/admin/v1/features/ctx/draft', { graph }],
      ['POST', '/admin/v1/features/ctx/publish', {}],
    ] as const) {
      const res = await app.inject({ method, url, headers: admin, payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    }
    const get = (qs: string) => app.inject({ method: 'GET', url: `/v1/decisions/ctx?${qs}` });
    const campaign = await get('query.utm_source=mail&dryRun=true');
    expect(campaign.json().decision).toBe('campaign');
    expect(campaign.headers['set-cookie']).toBeUndefined();
    expect((await get('query.utm_source=web&custom.plan=gold')).json().decision).toBe('gold');
    expect((await get('url=%2Fnews%3Futm_source%3Dmail')).json().decision).toBe('campaign');
    const post = await decide(
      {},
      { feature: 'ctx', context: { query: { utm_source: 'web' }, custom: { plan: 'gold' } } },
    );
    expect(post.json().decision).toBe('gold');
    const unknown = await get('utm_source=mail');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'query.utm_source' });
  });

  it('lets a CDN share GET answers that are the same for everyone, and only those', async () => {
    const get = (headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/v1/decisions/article?device=mobile', headers });
    const shared = await get();
    expect(shared.statusCode).toBe(200);
    expect(shared.headers['cache-control']).toBe('public, max-age=0');
    expect(shared.headers['set-cookie']).toBeUndefined();
    expect(shared.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(String(shared.headers.vary).split(', ')).toEqual(
      expect.arrayContaining(['Cookie', 'Authorization', 'User-Agent', 'x-claimflow-preview']),
    );
    const again = await get({ 'if-none-match': String(shared.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    await app.inject({
      method: 'PATCH',
      url: '/admin/v1/features/article',
      headers: admin,
      payload: { settings: { cacheMaxAgeSec: 60 } },
    });
    expect((await get()).headers['cache-control']).toBe('public, max-age=60');

    const withToken = await get({ authorization: `Bearer ${await hs256({ sub: 'u1' })}` });
    expect(withToken.headers['cache-control']).toBe('private, no-store');
    expect(withToken.headers.etag).toBeUndefined();
    const withCookie = await get({ cookie: 'cf_vid=0123456789abcdef' });
    expect(withCookie.headers['cache-control']).toBe('private, no-store');
    const posted = await decide({}, { feature: 'article' });
    expect(posted.headers['cache-control']).toBe('private, no-store');
  });

  it('has a GET form, 404 for unknown features, 409 for unpublished ones, 400 naming the field', async () => {
    const get = await app.inject({ method: 'GET', url: '/v1/decisions/article?device=mobile' });
    expect(get.json().decision).toBe('registrationWall');
    const unknown = await decide({}, { feature: 'nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CF_FEATURE_NOT_FOUND');
    await app.inject({
      method: 'POST',
      url: '/admin/v1/features',
      headers: admin,
      payload: { id: 'draft-only', name: 'x' },
    });
    const unpublished = await decide({}, { feature: 'draft-only' });
    expect(unpublished.statusCode).toBe(409);
    expect(unpublished.json().error.code).toBe('CF_FEATURE_NOT_PUBLISHED');
    const bad = await decide({}, { feature: 'article', context: { device: 7 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.context.device' });
  });

  it('sets an anonymous visitor id cookie, except on dry runs', async () => {
    const live = await decide({});
    expect(String(live.headers['set-cookie'])).toMatch(/cf_vid=/);
    const dry = await decide({}, { feature: 'article', dryRun: true });
    expect(dry.headers['set-cookie']).toBeUndefined();
  });

  it('counts decisions and token failures in /metrics', async () => {
    await decide({});
    await decide({ authorization: 'Bearer a.b.c' });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /claimflow_decisions_total\{feature="article",decision="registrationWall",mode="live"\} 2/,
    );
    expect(metrics.body).toMatch(/claimflow_token_failures_total\{reason="CF_TOKEN_[A-Z_]+"\} 1/);
    expect(metrics.body).toContain('claimflow_decision_duration_seconds_bucket');
  });
});
