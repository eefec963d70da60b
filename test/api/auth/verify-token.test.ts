/** createTokenVerifier: happy paths for every key kind, the verified-token cache, and "never throws". */
import fc from 'fast-check';
import { exportJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, DEFAULT_JWT_SETTINGS } from '../../../api/auth';
import {
  b64,
  type Certificate,
  enc,
  expectRefused,
  expectValid,
  hmacSettings,
  makeCertificate,
  makeKeys,
  rawHs,
  SECRET,
  signHs,
  signRs,
  type TestKeys,
  valid,
  verifierFor,
} from './fixtures';

let keys: TestKeys;
let cert: Certificate;
beforeAll(async () => {
  [keys, cert] = await Promise.all([makeKeys(), makeCertificate()]);
});

describe('happy paths', () => {
  it('HS256 with a shared secret', async () => {
    const r = await verifierFor(hmacSettings()).verify(await signHs(valid({ prodsub: ['gold'] })));
    expectValid(r);
    expect(r.claims).toMatchObject({ sub: 'u1', prodsub: ['gold'] });
    expect(r.header).toEqual({ alg: 'HS256' });
  });

  it('HS384 and HS512 when allowed', async () => {
    const v = verifierFor(hmacSettings({ algorithms: ['HS384', 'HS512'] }));
    for (const alg of ['HS384', 'HS512']) {
      const token = await new SignJWT(valid()).setProtectedHeader({ alg }).sign(enc.encode(SECRET));
      expectValid(await v.verify(token));
    }
  });

  it('RS256 with an SPKI PEM public key (kid returned)', async () => {
    const v = verifierFor({ key: { kind: 'spki', pem: keys.rsaPem }, algorithms: ['RS256'] });
    const r = await v.verify(await signRs(valid(), keys.rsa.privateKey, { kid: 'any' }));
    expectValid(r);
    expect(r.header).toEqual({ alg: 'RS256', kid: 'any' });
  });

  it('RS256 with an X.509 certificate made by openssl', async () => {
    const v = verifierFor({ key: { kind: 'x509', pem: cert.pem }, algorithms: ['RS256'] });
    expectValid(await v.verify(await signRs(valid(), cert.privateKey)));
    expectRefused(await v.verify(await signRs(valid(), keys.rsa.privateKey)), 'CF_TOKEN_SIGNATURE_INVALID');
  });

  it('an inline JWKS picks the key by kid', async () => {
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [keys.jwk1, keys.jwk2] } }, algorithms: ['RS256'] });
    expectValid(await v.verify(await signRs(valid(), keys.rsa.privateKey, { kid: 'k1' })));
    expectValid(await v.verify(await signRs(valid(), keys.rsa2.privateKey, { kid: 'k2' })));
    expectRefused(
      await v.verify(await signRs(valid(), keys.rsa.privateKey, { kid: 'k2' })),
      'CF_TOKEN_SIGNATURE_INVALID',
    );
  });

  it('a token without kid is tried against the few keys that match', async () => {
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [keys.jwk1, keys.jwk2] } }, algorithms: ['RS256'] });
    expectValid(await v.verify(await signRs(valid(), keys.rsa2.privateKey)));
    expectRefused(await v.verify(await signRs(valid(), keys.attacker.privateKey)), 'CF_TOKEN_SIGNATURE_INVALID');
  });

  it('ES256', async () => {
    const ecJwk = { ...(await exportJWK(keys.ec.publicKey)), kid: 'e1' };
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [ecJwk] } }, algorithms: ['ES256'] });
    const token = await new SignJWT(valid()).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).sign(keys.ec.privateKey);
    expectValid(await v.verify(token));
  });

  it('EdDSA (Ed25519)', async () => {
    const edJwk = { ...(await exportJWK(keys.ed.publicKey)), kid: 'd1' };
    const v = verifierFor({ key: { kind: 'jwks', jwks: { keys: [edJwk] } }, algorithms: ['EdDSA'] });
    const token = await new SignJWT(valid()).setProtectedHeader({ alg: 'EdDSA', kid: 'd1' }).sign(keys.ed.privateKey);
    expectValid(await v.verify(token));
  });

  it('a token without exp is valid when requireExp is off', async () => {
    const v = verifierFor(hmacSettings({ requireExp: false }));
    expectValid(await v.verify(await signHs({ sub: 'u' })));
  });

  it('no key configured: every token is CF_TOKEN_NOT_CONFIGURED', async () => {
    const v = createTokenVerifier(DEFAULT_JWT_SETTINGS);
    expectRefused(await v.verify(await signHs(valid())), 'CF_TOKEN_NOT_CONFIGURED');
  });

  it('an empty token is CF_TOKEN_MISSING', async () => {
    expectRefused(await verifierFor(hmacSettings()).verify(''), 'CF_TOKEN_MISSING');
  });
});

describe('verified-token cache', () => {
  it('a second verify of the same token is a hit', async () => {
    const v = verifierFor(hmacSettings());
    const token = await signHs(valid());
    expectValid(await v.verify(token));
    expectValid(await v.verify(token));
    expect(v.stats()).toEqual({ cacheHits: 1, cacheMisses: 1, coalesced: 0, jwksFetches: 0 });
  });

  it('re-checks exp on every hit: an expired cached token is reported expired and evicted', async () => {
    let now = Date.now();
    const v = verifierFor(hmacSettings({ clockToleranceSec: 5 }), { now: () => now });
    const token = await signHs({ sub: 'u', exp: Math.floor(now / 1000) + 60 });
    expectValid(await v.verify(token));
    now += 64_000; // exp + 4 s: inside the tolerance, still a hit
    expectValid(await v.verify(token));
    expect(v.stats().cacheHits).toBe(1);
    now += 2_000; // exp + 6 s: beyond the tolerance
    expectRefused(await v.verify(token), 'CF_TOKEN_EXPIRED');
    expectRefused(await v.verify(token), 'CF_TOKEN_EXPIRED');
    expect(v.stats()).toEqual({ cacheHits: 1, cacheMisses: 2, coalesced: 0, jwksFetches: 0 }); // evicted: the second is a miss
  });

  it('answers a verified, unexpired token at once from the cache (the warm path), and nothing else', async () => {
    let now = Date.now();
    const v = verifierFor(hmacSettings({ clockToleranceSec: 5 }), { now: () => now });
    const token = await signHs({ sub: 'u', exp: Math.floor(now / 1000) + 60 });
    expect(v.cached(token)).toBeUndefined(); // never verified: the caller must wait for verify()
    expectValid(await v.verify(token));
    const hit = v.cached(token);
    expectValid(hit as NonNullable<typeof hit>);
    expect(v.cached(await signHs(valid(), {}, 'x'.repeat(40)))).toBeUndefined(); // failures are never cached
    expect(v.cached('not a token')).toBeUndefined();
    now += 66_000; // beyond exp and the tolerance: verify() must say so
    expect(v.cached(token)).toBeUndefined();
    expectRefused(await v.verify(token), 'CF_TOKEN_EXPIRED');
  });

  it('never answers a forged token from the cache, even one ending with a cached token’s signature', async () => {
    const v = verifierFor(hmacSettings());
    const token = await signHs({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 });
    expectValid(await v.verify(token));
    const [, , signature] = token.split('.');
    const forged = `${token.split('.')[0]}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 9e9 })).toString('base64url')}.${signature}`;
    expect(v.cached(forged)).toBeUndefined();
    expectRefused(await v.verify(forged), 'CF_TOKEN_SIGNATURE_INVALID');
    expectValid(await v.verify(token)); // the genuine entry is still there
    expect(v.stats().cacheHits).toBe(1);
  });

  it('never caches failures', async () => {
    const v = verifierFor(hmacSettings());
    const bad = await signHs(valid(), {}, 'x'.repeat(40));
    expectRefused(await v.verify(bad), 'CF_TOKEN_SIGNATURE_INVALID');
    expectRefused(await v.verify(bad), 'CF_TOKEN_SIGNATURE_INVALID');
    expect(v.stats()).toEqual({ cacheHits: 0, cacheMisses: 2, coalesced: 0, jwksFetches: 0 });
  });

  it('is bounded (LRU) and can be turned off', async () => {
    const v = verifierFor(hmacSettings(), { cacheSize: 2 });
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => signHs(valid({ i }))));
    for (const t of [a, b, c, a]) expectValid(await v.verify(t));
    expect(v.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 4 });
    const off = verifierFor(hmacSettings(), { cacheSize: 0 });
    for (const t of [a, a]) expectValid(await off.verify(t));
    expect(off.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 2 });
  });

  it('hands out frozen claims so no caller can poison the cache', async () => {
    const v = verifierFor(hmacSettings());
    const token = await signHs(valid({ prodsub: ['basic'] }));
    const first = await v.verify(token);
    expectValid(first);
    expect(() => {
      (first.claims.prodsub as string[]).push('gold');
    }).toThrow(TypeError);
    const again = await v.verify(token);
    expectValid(again);
    expect(again.claims.prodsub).toEqual(['basic']);
  });

  it('verifies a token once however many requests carry it at the same time (single flight)', async () => {
    const v = verifierFor(hmacSettings());
    const token = await signHs(valid());
    const results = await Promise.all(Array.from({ length: 50 }, () => v.verify(token)));
    for (const r of results) expectValid(r);
    expect(v.stats()).toEqual({ cacheHits: 0, cacheMisses: 1, coalesced: 49, jwksFetches: 0 });
    expectValid(await v.verify(token));
    expect(v.stats().cacheHits).toBe(1);
  });

  it('shares a refusal in flight too, and does not cache it', async () => {
    const v = verifierFor(hmacSettings());
    const bad = await signHs(valid(), {}, 'x'.repeat(40));
    const results = await Promise.all(Array.from({ length: 10 }, () => v.verify(bad)));
    for (const r of results) expectRefused(r, 'CF_TOKEN_SIGNATURE_INVALID');
    expect(v.stats()).toMatchObject({ cacheMisses: 1, coalesced: 9 });
    expectRefused(await v.verify(bad), 'CF_TOKEN_SIGNATURE_INVALID');
    expect(v.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 2 });
  });

  it('is bounded in bytes as well as entries', async () => {
    const big = 'x'.repeat(3000);
    const tokens = await Promise.all([1, 2, 3, 4].map((i) => signHs(valid({ i, big }))));
    const v = verifierFor(hmacSettings(), { cacheMaxBytes: 3 * (tokens[0].length * 3 + 256) });
    for (const t of tokens) expectValid(await v.verify(t));
    expectValid(await v.verify(tokens[0])); // the oldest was evicted to stay under the byte bound
    expect(v.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 5 });
    expectValid(await v.verify(tokens[3]));
    expect(v.stats().cacheHits).toBe(1);
  });

  it('verifies HS384 and HS512 with the secret imported once per algorithm', async () => {
    const v = verifierFor(hmacSettings({ algorithms: ['HS256', 'HS384', 'HS512'] }));
    for (const alg of ['HS384', 'HS512', 'HS256']) {
      const token = await new SignJWT(valid({ alg }))
        .setProtectedHeader({ alg })
        .sign(new TextEncoder().encode(SECRET));
      expectValid(await v.verify(token));
    }
  });

  it('close() drops the cache', async () => {
    const v = verifierFor(hmacSettings());
    const token = await signHs(valid());
    await v.verify(token);
    v.close();
    expectValid(await v.verify(token));
    expect(v.stats()).toMatchObject({ cacheHits: 0, cacheMisses: 2 });
  });
});

describe('never throws', () => {
  it('any string is a coded refusal, never an exception', async () => {
    const v = verifierFor(hmacSettings());
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300, unit: 'binary' }), async (s) => {
        const r = await v.verify(s);
        expect(r.status).not.toBe('valid');
        if (r.status !== 'valid') expect(r.code).toMatch(/^CF_TOKEN_/);
      }),
      { numRuns: 300 },
    );
  });

  it('any three base64url parts of JSON are a coded refusal, never an exception', async () => {
    const hs = verifierFor(hmacSettings({ requireExp: false }));
    const jwks = verifierFor({ key: { kind: 'jwks', jwks: { keys: [keys.jwk1] } }, algorithms: ['RS256'] });
    const header = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { alg: fc.constantFrom('HS256', 'RS256', 'none', 'ES256'), kid: fc.string(), crit: fc.jsonValue() },
        {
          requiredKeys: ['alg'],
        },
      ),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.jsonValue(), fc.uint8Array({ maxLength: 300 }), async (h, p, sig) => {
        const token = `${b64(h)}.${b64(p)}.${Buffer.from(sig).toString('base64url')}`;
        for (const v of [hs, jwks]) {
          const r = await v.verify(token);
          expect(r.status).not.toBe('valid');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('non-string input is CF_TOKEN_MISSING, not a TypeError', async () => {
    const v = verifierFor(hmacSettings());
    for (const junk of [null, undefined, 42, {}, ['a.b.c']])
      expectRefused(await v.verify(junk as unknown as string), 'CF_TOKEN_MISSING');
  });

  it('signed, well-formed JSON of any shape either verifies as an object or is refused', async () => {
    const v = verifierFor(hmacSettings({ requireExp: false }));
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (payload) => {
        const r = await v.verify(rawHs({ alg: 'HS256' }, payload));
        const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
        if (!isObject) expectRefused(r, 'CF_TOKEN_MALFORMED');
      }),
      { numRuns: 200 },
    );
  });
});
