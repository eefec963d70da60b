/**
 * The local-evaluation SDK against the real service process: the same decisions as POST /v1/decisions for every
 * user state, expired tokens, sticky split tests, trial-metered features decided by the service, the snapshot's
 * ETag and secrecy, and a publish reaching the client through the change stream (polling off).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClaimflowError } from '../../engine';
import { type ClaimflowClient, createClaimflowClient } from '../../sdk/src';
import {
  articleWithAnonymousDecision,
  createFeature,
  example,
  type Fixture,
  publish,
  SECRET,
  startConfigured,
  token,
  tokens,
} from '../ofrep/fixture';

let fx: Fixture;
let client: ClaimflowClient;
let t: Awaited<ReturnType<typeof tokens>>;

beforeAll(async () => {
  fx = await startConfigured();
  await createFeature(fx.base, 'metered', example('metered-trial'));
  t = await tokens();
  client = createClaimflowClient({ url: fx.base, secret: SECRET, pollIntervalMs: 0 });
  await client.ready();
});
afterAll(async () => {
  client?.close();
  await fx?.close();
});

async function service(feature: string, tok: string | null, context: Record<string, unknown> = {}, vid?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (tok) headers.authorization = `Bearer ${tok}`;
  if (vid) headers.cookie = `cf_vid=${vid}`;
  const res = await fetch(`${fx.base}/v1/decisions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ feature, context, dryRun: true }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe('local decisions', () => {
  it('decide the same as the service for anonymous, registered, regional and customer visitors', async () => {
    for (const tok of [null, t.registered, t.alabama, t.customer, t.expired]) {
      const local = await client.decide('article', { token: tok, context: { device: 'mobile' } });
      const remote = await service('article', tok, { device: 'mobile' });
      expect(local.source).toBe('local');
      expect({ ...local, source: undefined, feature: undefined }).toMatchObject({
        decision: remote.decision,
        payload: remote.payload,
        path: remote.path,
        userState: remote.userState,
        version: remote.version,
        products: remote.products,
        entitlements: remote.entitlements,
      });
      expect(local.token.status).toBe(remote.token.status);
    }
  });

  it('an expired token: anonymous, with the reason', async () => {
    const d = await client.decide('article', { token: t.expired });
    expect(d.decision).toBe('registrationWall');
    expect(d.token).toEqual({ status: 'expired', reason: expect.stringContaining('CF_TOKEN_EXPIRED') });
    const forged = await token({ sub: 'x', prodsub: 'gold' });
    const tampered = `${forged.slice(0, -4)}AAAA`;
    expect((await client.decide('article', { token: tampered })).token.status).toBe('invalid');
  });

  it('split tests are sticky per visitor id and agree with the service', async () => {
    for (const vid of ['visitor-0001', 'visitor-0002', 'visitor-0003', 'visitor-0004']) {
      const local = await client.decide('copy-test', { visitorId: vid });
      const remote = await service('copy-test', null, {}, vid);
      expect(local.payload).toEqual(remote.payload);
      expect(local.path).toEqual(remote.path);
    }
    await expect(client.decide('copy-test', { requireVisitorId: true })).rejects.toMatchObject({
      code: 'CF_REQUEST_INVALID',
      location: { field: 'visitorId' },
    });
  });

  it('features with trial meters are decided by the service, which counts the meter', async () => {
    const reader = await token({ sub: 'metered-reader' });
    const seen: string[] = [];
    for (const contentId of ['a-1', 'a-2', 'a-3', 'a-4']) {
      const d = await client.decide('metered', { token: reader, context: { contentId } });
      expect(d.source).toBe('service');
      seen.push(d.decision as string);
    }
    expect(seen).toEqual(['fullArticle', 'fullArticle', 'fullArticle', 'paywall']);
  });

  it('an unknown feature is CF_FEATURE_NOT_FOUND', async () => {
    const error = await client.decide('nope').catch((e) => e);
    expect(isClaimflowError(error) && error.code).toBe('CF_FEATURE_NOT_FOUND');
  });
});

describe('the snapshot', () => {
  it('never carries the HMAC secret; a client without its own copy refuses to start', async () => {
    const res = await fetch(`${fx.base}/v1/snapshot`);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).jwt.key).toEqual({ kind: 'secret' });
    const bare = createClaimflowClient({ url: fx.base, stream: false, pollIntervalMs: 0 });
    await expect(bare.ready()).rejects.toMatchObject({
      code: 'CF_TOKEN_NOT_CONFIGURED',
      location: { field: 'secret' },
    });
    bare.close();
  });

  it('answers 304 to its own ETag', async () => {
    const first = await fetch(`${fx.base}/v1/snapshot`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toBe(`"${(await first.json()).etag}"`);
    const again = await fetch(`${fx.base}/v1/snapshot`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a publish reaches the client through the change stream (polling off)', async () => {
    const before = client.version('article') as number;
    const changed = new Promise<void>((resolve) => {
      const off = client.onChange((s) => {
        if (s.features.find((f) => f.id === 'article')?.version === before + 1) {
          off();
          resolve();
        }
      });
    });
    await publish(fx.base, 'article', articleWithAnonymousDecision('softWall'));
    await changed;
    expect(client.version('article')).toBe(before + 1);
    expect((await client.decide('article', {})).decision).toBe('softWall');
  });

  it('with the stream off, ETag polling brings a publish (and transfers nothing while unchanged)', async () => {
    const requests: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/v1/snapshot')) requests.push(res.status);
      return res;
    };
    const polling = createClaimflowClient({
      url: fx.base,
      secret: SECRET,
      stream: false,
      pollIntervalMs: 100,
      fetch: counting,
    });
    await polling.ready();
    const before = polling.version('article') as number;
    await expect.poll(() => requests.filter((r) => r === 304).length).toBeGreaterThan(1);
    await publish(fx.base, 'article', articleWithAnonymousDecision('pollWall'));
    await expect.poll(() => polling.version('article'), { timeout: 10_000 }).toBe(before + 1);
    expect((await polling.decide('article')).decision).toBe('pollWall');
    polling.close();
  });

  it('keeps deciding from the snapshot it holds when the service goes away', async () => {
    const errors: Error[] = [];
    const survivor = createClaimflowClient({
      url: fx.base,
      secret: SECRET,
      pollIntervalMs: 50,
      onError: (e) => errors.push(e),
    });
    await survivor.ready();
    await fx.service.stop();
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    expect((await survivor.decide('article', { token: t.customer })).decision).toBe('fullArticle');
    expect((await survivor.decide('article', { token: t.registered })).decision).toBe('paywall');
    survivor.close();
  });
});
