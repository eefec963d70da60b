/**
 * OFREP with the official OpenFeature server SDK and OFREP provider (@openfeature/server-sdk,
 * @openfeature/ofrep-provider) against the real service process: string evaluation for anonymous, registered and
 * customer visitors, an expired token, a missing flag, split tests and targeting keys, invalid contexts, and the
 * bulk endpoint's ETag / 304 and refresh after a publish.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, ErrorCode, OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, articleWithAnonymousDecision, type Fixture, publish, startConfigured, tokens } from './fixture';

let fx: Fixture;
let client: Client;
let t: Awaited<ReturnType<typeof tokens>>;

beforeAll(async () => {
  fx = await startConfigured();
  t = await tokens();
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: fx.base }));
  client = OpenFeature.getClient();
});
afterAll(async () => {
  await OpenFeature.close();
  await fx?.close();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${fx.base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('OFREP single-flag evaluation with the official server provider', () => {
  it('anonymous visitor: the registration wall, reason TARGETING_MATCH, metadata with version, path and user state', async () => {
    const d = await client.getStringDetails('article', 'fallback', {});
    expect(d.value).toBe('registrationWall');
    expect(d.variant).toBe('registrationWall');
    expect(d.reason).toBe('TARGETING_MATCH');
    expect(d.errorCode).toBeUndefined();
    expect(d.flagMetadata).toEqual({
      version: 1,
      path: JSON.stringify(['start', 'state', 'regwall']),
      userState: 'anonymous',
      payload: 'null',
      tokenStatus: 'missing',
    });
  });

  it('registered and customer tokens are verified like request tokens', async () => {
    expect(await client.getStringValue('article', 'fallback', { token: t.registered })).toBe('paywall');
    expect(await client.getStringValue('article', 'fallback', { token: t.customer })).toBe('fullArticle');
    const offer = await client.getStringDetails('article', 'fallback', { token: t.alabama });
    expect(offer.value).toBe('regionalOffer');
    expect(JSON.parse(String(offer.flagMetadata.payload))).toEqual({ discount: 50, region: 'Alabama' });
    expect(offer.flagMetadata.userState).toBe('registered');
  });

  it('claims in the context are never trusted: without a verified token the visitor is anonymous', async () => {
    const d = await client.getStringDetails('article', 'fallback', {
      sub: 'forged',
      prodsub: 'gold',
      state: 'Alabama',
    });
    expect(d.value).toBe('registrationWall');
    expect(d.flagMetadata.userState).toBe('anonymous');
  });

  it('an expired token makes the visitor anonymous, with the token status in the metadata', async () => {
    const d = await client.getStringDetails('article', 'fallback', { token: t.expired });
    expect(d.value).toBe('registrationWall');
    expect(d.flagMetadata.tokenStatus).toBe('expired');
    expect(d.errorCode).toBeUndefined();
  });

  it('a missing flag: FLAG_NOT_FOUND, the default value, reason ERROR', async () => {
    const d = await client.getStringDetails('no-such-feature', 'fallback', { token: t.customer });
    expect(d.value).toBe('fallback');
    expect(d.errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
    expect(d.reason).toBe('ERROR');
  });

  it('a split test answers SPLIT for a targetingKey, sticky per key; anonymous without one: TARGETING_KEY_MISSING', async () => {
    const first = await client.getStringDetails('copy-test', 'fallback', { targetingKey: 'visitor-0001' });
    expect(first.value).toBe('paywall');
    expect(first.reason).toBe('SPLIT');
    const variant = JSON.parse(String(first.flagMetadata.payload)).variant;
    for (let i = 0; i < 3; i++) {
      const again = await client.getStringDetails('copy-test', 'fallback', { targetingKey: 'visitor-0001' });
      expect(JSON.parse(String(again.flagMetadata.payload)).variant).toBe(variant);
    }
    const missing = await client.getStringDetails('copy-test', 'fallback', {});
    expect(missing.errorCode).toBe(ErrorCode.TARGETING_KEY_MISSING);
    expect(missing.value).toBe('fallback');
    // a registered visitor is keyed by the verified user id: no targetingKey needed
    const registered = await client.getStringDetails('copy-test', 'fallback', { token: t.registered });
    expect(registered.reason).toBe('SPLIT');
    expect(await client.getStringValue('copy-test', 'fallback', { token: t.customer })).toBe('fullArticle');
  });

  it('request attributes fill the request context; a wrong type is INVALID_CONTEXT naming the attribute', async () => {
    const d = await client.getStringDetails('article', 'fallback', { device: 5 as unknown as string });
    expect(d.errorCode).toBe(ErrorCode.INVALID_CONTEXT);
    expect(d.errorMessage).toContain('context.device');
    const bad = await client.getStringDetails('article', 'fallback', { targetingKey: 'a b' });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_CONTEXT);
  });

  it('an unparsable body is PARSE_ERROR in the OFREP shape', async () => {
    const res = await post('/ofrep/v1/evaluate/flags/article', '{"context": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ key: 'article', errorCode: 'PARSE_ERROR' });
    const notObject = await post('/ofrep/v1/evaluate/flags/article', { context: [1] });
    expect(notObject.status).toBe(400);
    expect((await notObject.json()).errorCode).toBe('PARSE_ERROR');
  });

  it('a body nested deeper than the JSON limit is PARSE_ERROR before anything reads it', async () => {
    const deep = `{"context":{"custom":${'['.repeat(200)}${']'.repeat(200)}}}`;
    const res = await post('/ofrep/v1/evaluate/flags/article', deep);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ key: 'article', errorCode: 'PARSE_ERROR' });
  });

  it('a __proto__ key is refused by the JSON parser of the service: PARSE_ERROR', async () => {
    const res = await post('/ofrep/v1/evaluate/flags/article', '{"context":{"__proto__":{"polluted":1}}}');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ key: 'article', errorCode: 'PARSE_ERROR' });
  });

  it('a body of another media type is PARSE_ERROR too, not a 500', async () => {
    const res = await fetch(`${fx.base}/ofrep/v1/evaluate/flags/article`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'context=1',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ key: 'article', errorCode: 'PARSE_ERROR' });
    const bulk = await fetch(`${fx.base}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'context=1',
    });
    expect(bulk.status).toBe(400);
    expect(await bulk.json()).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('a site key picks its environment; an unknown key is refused with 401', async () => {
    const unknown = await post(
      '/ofrep/v1/evaluate/flags/article',
      { context: {} },
      { 'x-claimflow-site-key': 'site-1' },
    );
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).errorDetails).toContain('CF_SITE_KEY_INVALID');
    const created = await fetch(`${fx.base}/admin/v1/site-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-claimflow-admin-key': ADMIN_KEY },
      body: JSON.stringify({ name: 'www', environment: 'production' }),
    });
    const { key } = await created.json();
    const res = await post('/ofrep/v1/evaluate/flags/article', { context: {} }, { 'x-claimflow-site-key': key });
    expect(res.status).toBe(200);
    expect((await res.json()).value).toBe('registrationWall');
  });
});

describe('OFREP configuration (extension)', () => {
  it('announces string flags and polling, with an ETag', async () => {
    const res = await fetch(`${fx.base}/ofrep/v1/configuration`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'claimflow',
      capabilities: {
        cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
        flagEvaluation: { supportedTypes: ['string'] },
      },
    });
    const again = await fetch(`${fx.base}/ofrep/v1/configuration`, {
      headers: { 'if-none-match': res.headers.get('etag') as string },
    });
    expect(again.status).toBe(304);
  });
});

describe('OFREP bulk evaluation', () => {
  it('answers every published flag with an ETag; the same ETag gets 304; a publish changes the answer', async () => {
    const body = { context: { token: t.registered } };
    const first = await post('/ofrep/v1/evaluate/flags', body);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const flags = (await first.json()).flags as { key: string; value: string; reason: string }[];
    expect(flags.map((f) => [f.key, f.value, f.reason])).toEqual([
      ['article', 'paywall', 'TARGETING_MATCH'],
      ['copy-test', 'paywall', 'SPLIT'],
    ]);
    const same = await post('/ofrep/v1/evaluate/flags', body, { 'if-none-match': etag as string });
    expect(same.status).toBe(304);

    const anonymous = await post('/ofrep/v1/evaluate/flags', { context: {} });
    const anonFlags = (await anonymous.json()).flags;
    expect(anonFlags).toContainEqual(expect.objectContaining({ key: 'copy-test', errorCode: 'TARGETING_KEY_MISSING' }));
    expect(anonymous.headers.get('etag')).not.toBe(etag);

    await publish(fx.base, 'article', articleWithAnonymousDecision('softWall'));
    const after = await post(
      '/ofrep/v1/evaluate/flags',
      { context: {} },
      {
        'if-none-match': anonymous.headers.get('etag') as string,
      },
    );
    expect(after.status).toBe(200);
    const article = (await after.json()).flags.find((f: { key: string }) => f.key === 'article');
    expect(article).toMatchObject({ value: 'softWall', metadata: { version: 2 } });
    // the single-flag provider sees the new version too
    expect(await client.getStringValue('article', 'fallback', {})).toBe('softWall');
  });

  it('a bad context fails the whole bulk request with INVALID_CONTEXT', async () => {
    const res = await post('/ofrep/v1/evaluate/flags', { context: { token: 42 } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });
});
