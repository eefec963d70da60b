/**
 * The JWT attack list, one test each, against the real verifier with real keys and a real JWKS server on loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, type JwtSettingsInput, JwtSettingsSchema } from '../../../api/auth';
import { type JwksServer, startJwksServer } from './jwks-server';

const SECRET = 'a-very-long-test-secret-of-at-least-32-bytes!';
const enc = new TextEncoder();
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);

const verifierFor = (input: JwtSettingsInput, options?: { now?: () => number }) =>
  createTokenVerifier(JwtSettingsSchema.parse(input), options);
const hmac = verifierFor({ key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
const signHs = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).sign(enc.encode(secret));
const valid = (extra: Record<string, unknown> = {}) => ({ sub: 'u1', exp: nowSec() + 3600, ...extra });

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let rsaPem: string;
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let ed: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwk1: JWK;
let jwk2: JWK;
let rsa2: { privateKey: CryptoKey; publicKey: CryptoKey };

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  rsa2 = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  ed = await generateKeyPair('EdDSA');
  rsaPem = await exportSPKI(rsa.publicKey);
  jwk1 = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwk2 = { ...(await exportJWK(rsa2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
});

const signRs = (claims: Record<string, unknown>, kid = 'k1', key = rsa.privateKey) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);

describe('happy paths', () => {
  it('HS256 secret, RS256 SPKI PEM, ES256 and EdDSA JWKS', async () => {
    expect((await hmac.verify(await signHs(valid()))).status).toBe('valid');
    const spki = verifierFor({ key: { kind: 'spki', pem: rsaPem }, algorithms: ['RS256'] });
    expect(await spki.verify(await signRs(valid()))).toMatchObject({ status: 'valid', claims: { sub: 'u1' } });
    const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'e1' };
    const edJwk = { ...(await exportJWK(ed.publicKey)), kid: 'd1' };
    const local = verifierFor({
      key: { kind: 'jwks', jwks: { keys: [ecJwk, edJwk] } },
      algorithms: ['ES256', 'EdDSA'],
    });
    const es = await new SignJWT(valid()).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).sign(ec.privateKey);
    const eddsa = await new SignJWT(valid()).setProtectedHeader({ alg: 'EdDSA', kid: 'd1' }).sign(ed.privateKey);
    expect((await local.verify(es)).status).toBe('valid');
    expect((await local.verify(eddsa)).status).toBe('valid');
  });

  it('X.509 certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-x509-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=claimflow-test',
        ],
        { stdio: 'ignore' },
      );
      const { importPKCS8 } = await import('jose');
      const key = await importPKCS8(readFileSync(join(dir, 'key.pem'), 'utf8'), 'RS256');
      const v = verifierFor({
        key: { kind: 'x509', pem: readFileSync(join(dir, 'cert.pem'), 'utf8') },
        algorithms: ['RS256'],
      });
      expect((await v.verify(await new SignJWT(valid()).setProtectedHeader({ alg: 'RS256' }).sign(key))).status).toBe(
        'valid',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caches successes by hash and re-checks exp on every hit', async () => {
    let now = Date.now();
    const v = verifierFor(
      { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'], clockToleranceSec: 0 },
      { now: () => now },
    );
    const token = await signHs({ sub: 'u', exp: Math.floor(now / 1000) + 60 });
    expect((await v.verify(token)).status).toBe('valid');
    expect((await v.verify(token)).status).toBe('valid');
    expect(v.stats()).toMatchObject({ cacheHits: 1, cacheMisses: 1 });
    now += 120_000;
    expect(await v.verify(token)).toMatchObject({ status: 'expired', code: 'CF_TOKEN_EXPIRED' });
    const bad = await signHs(valid(), {}, 'x'.repeat(40));
    await v.verify(bad);
    await v.verify(bad);
    expect(v.stats().cacheHits).toBe(1); // failures are never cached
  });
});

describe('attack list', () => {
  it('alg none and None', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, typ: 'JWT' })}.${b64(valid())}.`;
      expect(await hmac.verify(token)).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_ALG_NOT_ALLOWED' });
    }
  });

  it('HS256 signed with the RSA public key PEM as secret', async () => {
    const spki = verifierFor({ key: { kind: 'spki', pem: rsaPem }, algorithms: ['RS256'] });
    const forged = await signHs(valid(), {}, rsaPem);
    expect(await spki.verify(forged)).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_ALG_NOT_ALLOWED' });
  });

  it('algorithm outside the allowlist', async () => {
    const token = await new SignJWT(valid()).setProtectedHeader({ alg: 'HS512' }).sign(enc.encode(SECRET));
    expect(await hmac.verify(token)).toMatchObject({ code: 'CF_TOKEN_ALG_NOT_ALLOWED' });
  });

  it('tampered payload and tampered signature', async () => {
    const [h, , s] = (await signHs(valid())).split('.');
    expect(await hmac.verify(`${h}.${b64(valid({ sub: 'admin' }))}.${s}`)).toMatchObject({
      code: 'CF_TOKEN_SIGNATURE_INVALID',
    });
    const token = await signHs(valid());
    const flipped = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
    expect(await hmac.verify(flipped)).toMatchObject({ code: 'CF_TOKEN_SIGNATURE_INVALID' });
  });

  it('ES256 with r = s = 0 (psychic signature)', async () => {
    const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'e1' };
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [ecJwk] } }, algorithms: ['ES256'] });
    const token = `${b64({ alg: 'ES256', kid: 'e1' })}.${b64(valid())}.${Buffer.alloc(64).toString('base64url')}`;
    expect(await v.verify(token)).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_SIGNATURE_INVALID' });
  });

  it('malformed tokens: 2 or 5 parts, bad base64url, non-JSON header, payload not an object', async () => {
    const good = await signHs(valid());
    const [h, p, s] = good.split('.');
    const cases = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}.${s}`,
      `${h}.${p}!.${s}`,
      `${b64('not json')}.${p}.${s}`,
      `${b64('[1,2]')}.${p}.${s}`,
    ];
    for (const t of cases)
      expect(await hmac.verify(t), t).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_MALFORMED' });
    for (const payload of [[], 'x', 123]) {
      const header = b64({ alg: 'HS256' });
      const body = b64(payload);
      const { createHmac } = await import('node:crypto');
      const sig = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
      const r = await hmac.verify(`${header}.${body}.${sig}`);
      expect(r.status, JSON.stringify(payload)).toBe('invalid');
    }
  });

  it('nested JWT (cty: JWT) is not unwrapped', async () => {
    const inner = await signHs(valid({ sub: 'admin' }));
    const outer = await new SignJWT({ jwt: inner, exp: nowSec() + 60 })
      .setProtectedHeader({ alg: 'HS256', cty: 'JWT' })
      .sign(enc.encode(SECRET));
    const r = await hmac.verify(outer);
    if (r.status === 'valid') expect(r.claims.sub).toBeUndefined();
    else expect(r.status).toBe('invalid');
  });

  it('unknown crit header', async () => {
    const { createHmac } = await import('node:crypto');
    const input = `${b64({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 })}.${b64(valid())}`;
    const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expect(await hmac.verify(token)).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_CRIT_UNSUPPORTED' });
  });

  it('exp missing, a string, expired inside and outside the tolerance', async () => {
    expect(await hmac.verify(await signHs({ sub: 'u' }))).toMatchObject({ code: 'CF_TOKEN_CLAIM_INVALID' });
    expect(await hmac.verify(await signHs({ sub: 'u', exp: '9999999999' }))).toMatchObject({
      code: 'CF_TOKEN_CLAIM_INVALID',
    });
    expect((await hmac.verify(await signHs({ sub: 'u', exp: nowSec() - 10 }))).status).toBe('valid'); // tolerance 30 s
    expect(await hmac.verify(await signHs({ sub: 'u', exp: nowSec() - 120 }))).toMatchObject({
      status: 'expired',
      code: 'CF_TOKEN_EXPIRED',
    });
  });

  it('future nbf inside and outside the tolerance', async () => {
    expect((await hmac.verify(await signHs(valid({ nbf: nowSec() + 10 })))).status).toBe('valid');
    expect(await hmac.verify(await signHs(valid({ nbf: nowSec() + 600 })))).toMatchObject({
      code: 'CF_TOKEN_NOT_YET_VALID',
    });
  });

  it('iss wrong, missing, case-changed, trailing slash', async () => {
    const v = verifierFor({
      key: { kind: 'secret', secret: SECRET },
      algorithms: ['HS256'],
      issuer: 'https://idp.example.com',
    });
    expect((await v.verify(await signHs(valid({ iss: 'https://idp.example.com' })))).status).toBe('valid');
    for (const iss of ['https://evil.example.com', undefined, 'https://IDP.example.com', 'https://idp.example.com/']) {
      expect(await v.verify(await signHs(valid({ iss }))), String(iss)).toMatchObject({
        code: 'CF_TOKEN_ISSUER_INVALID',
      });
    }
  });

  it('wrong aud', async () => {
    const v = verifierFor({ key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'], audience: 'claimflow' });
    expect((await v.verify(await signHs(valid({ aud: ['other', 'claimflow'] })))).status).toBe('valid');
    expect(await v.verify(await signHs(valid({ aud: 'other' })))).toMatchObject({ code: 'CF_TOKEN_AUDIENCE_INVALID' });
  });

  it('kid injection strings fail cleanly', async () => {
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [jwk1] } }, algorithms: ['RS256'] });
    for (const kid of ['../../etc/passwd', "' OR 1=1 --", 'k'.repeat(4000), '\u0000']) {
      const token = await signRs(valid(), kid);
      expect(await v.verify(token)).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_KEY_NOT_FOUND' });
    }
  });

  it('token over 8 KiB is refused before parsing', async () => {
    const big = `${'a'.repeat(9000)}.b.c`;
    expect(await hmac.verify(big)).toMatchObject({ code: 'CF_TOKEN_TOO_LARGE' });
  });
});

describe('remote JWKS', () => {
  let server: JwksServer;
  let other: JwksServer;
  beforeAll(async () => {
    server = await startJwksServer({ kind: 'jwks', body: { keys: [jwk1] } });
    other = await startJwksServer({ kind: 'jwks', body: { keys: [jwk1] } });
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });
  const remote = (cooldownMs = 60_000, timeoutMs = 500) =>
    verifierFor({ key: { kind: 'jwksUrl', url: server.url, cooldownMs, timeoutMs }, algorithms: ['RS256'] });

  it('verifies with the fetched key set', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: [jwk1] } };
    expect((await remote().verify(await signRs(valid()))).status).toBe('valid');
  });

  it('jku, x5u, jwk and x5c headers are ignored: no outbound request', async () => {
    const v = hmac;
    const before = other.requests;
    const jwkHeader = await exportJWK(rsa.publicKey);
    for (const header of [{ jku: other.url }, { x5u: other.url }, { jwk: jwkHeader }, { x5c: ['MIIB'] }]) {
      const token = await new SignJWT(valid()).setProtectedHeader({ alg: 'RS256', ...header }).sign(rsa.privateKey);
      expect((await v.verify(token)).status).toBe('invalid');
    }
    const spki = verifierFor({ key: { kind: 'spki', pem: await exportSPKI(rsa2.publicKey) }, algorithms: ['RS256'] });
    const withJku = await new SignJWT(valid())
      .setProtectedHeader({ alg: 'RS256', jku: other.url, jwk: jwkHeader })
      .sign(rsa.privateKey);
    expect(await spki.verify(withJku)).toMatchObject({ code: 'CF_TOKEN_SIGNATURE_INVALID' });
    expect(other.requests).toBe(before);
  });

  it('an unknown-kid flood makes at most one fetch per cooldown', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: [jwk1] } };
    const v = remote(60_000);
    expect((await v.verify(await signRs(valid()))).status).toBe('valid');
    const before = server.requests;
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => signRs(valid({ i }), `unknown-${i}`)));
    const results = await Promise.all(tokens.map((t) => v.verify(t)));
    for (const r of results) expect(r).toMatchObject({ status: 'invalid', code: 'CF_TOKEN_KEY_NOT_FOUND' });
    expect(server.requests - before).toBeLessThanOrEqual(1);
  });

  it('fails closed on timeout, 500, redirect, non-JSON and symmetric keys', async () => {
    const token = await signRs(valid());
    const behaviours = [
      { kind: 'hang' },
      { kind: 'status', status: 500 },
      { kind: 'redirect', location: other.url },
      { kind: 'text', body: '<html>not json</html>' },
      { kind: 'jwks', body: { keys: [{ kty: 'oct', k: b64(SECRET), kid: 'k1', alg: 'HS256' }] } },
    ] as const;
    for (const b of behaviours) {
      server.behaviour = b;
      const otherBefore = other.requests;
      const r = await remote(0, 300).verify(token);
      expect(r.status, b.kind).toBe('invalid');
      expect(['CF_TOKEN_JWKS_UNAVAILABLE', 'CF_TOKEN_KEY_NOT_FOUND']).toContain((r as { code: string }).code);
      expect(other.requests, 'redirect not followed').toBe(otherBefore);
    }
  });

  it('picks up a rotated key on an unknown kid after the cooldown', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: [jwk1] } };
    const v = remote(0);
    expect((await v.verify(await signRs(valid()))).status).toBe('valid');
    server.behaviour = { kind: 'jwks', body: { keys: [jwk1, jwk2] } };
    expect((await v.verify(await signRs(valid(), 'k2', rsa2.privateKey))).status).toBe('valid');
  });
});

describe('settings', () => {
  const field = (input: unknown) => {
    const r = JwtSettingsSchema.safeParse(input);
    return r.success ? null : r.error.issues.map((i) => i.path.join('.'));
  };
  it('refuses short secrets, alg none, and HMAC algorithms with a public key, naming the field', () => {
    expect(field({ key: { kind: 'secret', secret: 'x'.repeat(31) }, algorithms: ['HS256'] })).toEqual(['key.secret']);
    expect(field({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: ['none'] })).toEqual(['algorithms.0']);
    expect(
      field({
        key: { kind: 'spki', pem: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' },
        algorithms: ['HS256'],
      }),
    ).toEqual(['algorithms.0']);
    expect(field({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: ['RS256'] })).toEqual(['algorithms.0']);
  });
});
