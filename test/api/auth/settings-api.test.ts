/**
 * The JWT settings API over real HTTP: PUT is a full replacement that needs `key`, PATCH is a JSON merge patch,
 * both say what changed (secrets named, never shown); inline JWKS keys must import; a JWKS URL is fetched once at
 * save and the result reported without refusing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { admin, hs256, SECRET, setupZephr, testApp } from '../helpers';
import { makeKeys, signRs, sleep, type TestKeys } from './fixtures';
import { type JwksServer, startJwksServer } from './jwks-server';

let close: () => Promise<void>;
let base: string;
let keys: TestKeys;
let jwks: JwksServer;

beforeAll(async () => {
  keys = await makeKeys();
  jwks = await startJwksServer({ kind: 'jwks', body: { keys: [keys.jwk1] } });
});
afterAll(async () => jwks.close());
beforeEach(async () => {
  const t = await testApp();
  close = t.close;
  await setupZephr(t.app, {
    settings: { issuer: 'https://idp.example.com', tokenSources: { header: 'x-custom-tkn' } },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterEach(async () => close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...admin, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}
const settings = async () => (await call('GET', '/admin/v1/settings/jwt')).json();
const fields = (changed: Array<{ field: string }>) => changed.map((c) => c.field);
const MERGE = 'application/merge-patch+json';

describe('PUT /admin/v1/settings/jwt (full replacement)', () => {
  it('refuses a body without key, and {} in particular, leaving the settings as they were', async () => {
    const before = await settings();
    for (const body of [{}, { algorithms: ['HS256'], issuer: 'x' }, { key: null }]) {
      const res = await call('PUT', '/admin/v1/settings/jwt', body);
      expect(res.status).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field: 'body.key' });
      expect(res.json().error.message).toMatch(/"kind":"none"/);
    }
    expect((await call('PUT', '/admin/v1/settings/jwt', [])).json().error.code).toBe('CF_SETTINGS_INVALID');
    expect(await settings()).toEqual(before);
    expect(before).toMatchObject({ key: { kind: 'secret', secretSet: true }, issuer: 'https://idp.example.com' });
  });

  it('answers the settings and each changed field; omitted fields take their defaults and are listed', async () => {
    const res = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'secret', keep: true },
      algorithms: ['HS256'],
      clockToleranceSec: 10,
    });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.settings).toMatchObject({ key: { kind: 'secret', secretSet: true }, clockToleranceSec: 10 });
    expect(body.settings.issuer).toBeUndefined();
    expect(body.changed).toEqual([
      { field: 'clockToleranceSec', before: 30, after: 10 },
      { field: 'issuer', before: 'https://idp.example.com', after: null },
      { field: 'tokenSources.header', before: 'x-custom-tkn', after: null },
    ]);
    expect(body.keySet).toMatchObject({ kind: 'secret', ready: true });
  });

  it('switches verification off only with an explicit {"kind":"none"}; the secret is named, never shown', async () => {
    const res = await call('PUT', '/admin/v1/settings/jwt', { key: { kind: 'none' } });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SECRET);
    expect(res.json().changed).toContainEqual({ field: 'key.secret', before: '[redacted]', after: null });
    expect(res.json().changed).toContainEqual({ field: 'key.kind', before: 'secret', after: 'none' });
    expect(res.json().keySet).toMatchObject({ kind: 'none', ready: true });
    const other = 'another-secret-that-is-long-enough-0123456789';
    const put = await call('PUT', '/admin/v1/settings/jwt', { key: { kind: 'secret', secret: other } });
    expect(put.json().changed).toContainEqual({ field: 'key.secret', before: null, after: '[redacted]' });
    expect(put.text).not.toContain(other);
  });
});

describe('PATCH /admin/v1/settings/jwt (JSON merge patch, RFC 7396)', () => {
  it('changes only the fields given, as application/merge-patch+json or application/json', async () => {
    const res = await call('PATCH', '/admin/v1/settings/jwt', { audience: 'site' }, MERGE);
    expect(res.status).toBe(200);
    expect(res.json().changed).toEqual([{ field: 'audience', before: null, after: 'site' }]);
    expect(res.json().settings).toMatchObject({
      key: { kind: 'secret', secretSet: true },
      issuer: 'https://idp.example.com',
      audience: 'site',
      tokenSources: { header: 'x-custom-tkn', cookie: 'blaize_jwt', bearer: true },
    });
    // Nested objects merge member by member; null removes a member.
    const nested = await call('PATCH', '/admin/v1/settings/jwt', { tokenSources: { cookie: 'sso' }, issuer: null });
    expect(nested.status).toBe(200);
    expect(fields(nested.json().changed)).toEqual(['issuer', 'tokenSources.cookie']);
    expect(nested.json().settings.tokenSources).toMatchObject({ header: 'x-custom-tkn', cookie: 'sso' });
    expect(nested.json().settings.issuer).toBeUndefined();
    // The verifier follows: a token signed with the kept secret verifies with the new audience.
    const token = await hs256({ sub: 'u1', aud: 'site' });
    const decided = await fetch(`${base}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom-tkn': token },
      body: JSON.stringify({ feature: 'article' }),
    });
    expect((await decided.json()).userState).toBe('registered');
  });

  it('refuses a patch that would drop verification without an explicit {"kind":"none"}', async () => {
    const drop = await call('PATCH', '/admin/v1/settings/jwt', { key: null }, MERGE);
    expect(drop.status).toBe(422);
    expect(drop.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field: 'body.key' });
    expect((await settings()).key).toEqual({ kind: 'secret', secretSet: true });
    const off = await call('PATCH', '/admin/v1/settings/jwt', { key: { kind: 'none' } }, MERGE);
    expect(off.status).toBe(200);
    expect((await settings()).key).toEqual({ kind: 'none' });
  });

  it('validates the merged settings, naming the field, and refuses a patch that is not an object', async () => {
    const bad = await call('PATCH', '/admin/v1/settings/jwt', { clockToleranceSec: 9999 }, MERGE);
    expect(bad.status).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field: 'body.clockToleranceSec' });
    for (const body of ['[1]', '"x"', 'null']) {
      const res = await call('PATCH', '/admin/v1/settings/jwt', body, MERGE);
      expect(res.status, body).toBe(422);
      expect(res.json().error.code).toBe('CF_SETTINGS_INVALID');
    }
    const poisoned = await call('PATCH', '/admin/v1/settings/jwt', '{"__proto__":{"issuer":"x"}}', MERGE);
    expect(poisoned.status).toBe(400);
    expect(poisoned.json().error.code).toBe('CF_REQUEST_INVALID');
    const anonymous = await fetch(`${base}/admin/v1/settings/jwt`, {
      method: 'PATCH',
      headers: { 'content-type': MERGE },
      body: JSON.stringify({ key: { kind: 'none' } }),
    });
    expect(anonymous.status).toBe(401);
    expect((await settings()).key).toEqual({ kind: 'secret', secretSet: true });
  });
});

describe('inline JWKS and JWKS URL at save', () => {
  it('refuses an inline key that cannot be imported, naming its index', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const cases: Array<[unknown[], string]> = [
      [[{ kty: 'RSA' }], 'body.key.jwks.keys.0'],
      [[keys.jwk1, { kty: 'RSA', n: 'AQAB' }], 'body.key.jwks.keys.1'],
      [[keys.jwk1, { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }], 'body.key.jwks.keys.1'],
      [[{ kty: 'nope' }], 'body.key.jwks.keys.0'],
      [[{ ...small, kid: 's' }], 'body.key.jwks.keys.0'],
    ];
    for (const [list, field] of cases) {
      const put = await call('PUT', '/admin/v1/settings/jwt', {
        key: { kind: 'jwks', jwks: { keys: list } },
        algorithms: ['RS256'],
      });
      expect(put.status, field).toBe(422);
      expect(put.json().error, JSON.stringify(list)).toMatchObject({ code: 'CF_SETTINGS_INVALID', field });
      const patch = await call('PATCH', '/admin/v1/settings/jwt', {
        key: { kind: 'jwks', jwks: { keys: list } },
        algorithms: ['RS256'],
      });
      expect(patch.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field });
    }
    const good = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'jwks', jwks: { keys: [keys.jwk1, keys.jwk2] } },
      algorithms: ['RS256'],
    });
    expect(good.status).toBe(200);
    expect(good.json().keySet).toMatchObject({ kind: 'jwks', ready: true });
  });

  it('fetches a JWKS URL once at save and reports the keys, or the failure without refusing', async () => {
    const before = jwks.requests;
    const ok = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'jwksUrl', url: jwks.url },
      algorithms: ['RS256'],
    });
    expect(ok.status).toBe(200);
    expect(jwks.requests - before).toBe(1);
    expect(ok.json().keySet).toMatchObject({ kind: 'jwksUrl', ready: true, remote: { keys: 1, kids: ['k1'] } });
    jwks.behaviour = { kind: 'status', status: 500 };
    try {
      const down = await call('PATCH', '/admin/v1/settings/jwt', { key: { timeoutMs: 500 } }, MERGE);
      expect(down.status).toBe(200);
      expect(down.json().changed).toEqual([{ field: 'key.timeoutMs', before: 3000, after: 500 }]);
      expect(down.json().keySet).toMatchObject({ kind: 'jwksUrl', ready: false, remote: { lastSuccessAt: null } });
      expect(down.json().keySet.detail).toMatch(/never fetched successfully.*HTTP 500/);
      expect((await settings()).key).toMatchObject({ kind: 'jwksUrl', timeoutMs: 500 });
    } finally {
      jwks.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1] } };
    }
  });

  it('picks up a rotated key within cooldownMs (5 s by default), one fetch per cooldown under a kid flood', async () => {
    const saved = await call('PUT', '/admin/v1/settings/jwt', {
      key: { kind: 'jwksUrl', url: jwks.url, cooldownMs: 2000 },
      algorithms: ['RS256'],
    });
    expect(saved.json().settings.key.cooldownMs).toBe(2000);
    const byDefault = await call('PATCH', '/admin/v1/settings/jwt', { key: { cooldownMs: null } }, MERGE);
    expect(byDefault.json().settings.key.cooldownMs).toBe(5000);
    await call('PATCH', '/admin/v1/settings/jwt', { key: { cooldownMs: 2000 } }, MERGE);
    const decide = async (token: string) => {
      const res = await fetch(`${base}/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ feature: 'article' }),
      });
      return (await res.json()) as { userState: string; token: { reason: string | null } };
    };
    const claims = { sub: 'u1', iss: 'https://idp.example.com', exp: Math.floor(Date.now() / 1000) + 600 };
    expect((await decide(await signRs(claims, keys.rsa.privateKey, { kid: 'k1' }))).userState).toBe('registered');
    jwks.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1, keys.jwk2] } }; // k2 published
    try {
      const before = jwks.requests;
      const rotated = await signRs(claims, keys.rsa2.privateKey, { kid: 'k2' });
      const early = await decide(rotated);
      expect(early.userState).toBe('anonymous');
      expect(early.token.reason).toMatch(/CF_TOKEN_KEY_NOT_FOUND/);
      const flood = await Promise.all(
        Array.from({ length: 30 }, (_, i) => signRs(claims, keys.rsa.privateKey, { kid: `made-up-${i}` })),
      );
      await Promise.all(flood.map(decide));
      expect(jwks.requests - before).toBeLessThanOrEqual(1);
      await sleep(2100);
      expect((await decide(rotated)).userState).toBe('registered');
      expect(jwks.requests - before).toBeLessThanOrEqual(2);
    } finally {
      jwks.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1] } };
    }
  });
});
