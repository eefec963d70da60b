/** The JWT attack list, one test per case, with real keys (the remote JWKS cases are in remote-jwks.test.ts). */
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { type JwksServer, startJwksServer } from './jwks-server';

/** A fixed clock (epoch ms) for the time-based cases. */
const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;

let keys: TestKeys;
let cert: Certificate;
beforeAll(async () => {
  [keys, cert] = await Promise.all([makeKeys(), makeCertificate()]);
});

const hmac = verifierFor(hmacSettings());
const hmacAt = (extra = {}) => verifierFor(hmacSettings(extra), { now: () => NOW });
const spkiVerifier = () => verifierFor({ key: { kind: 'spki', pem: keys.rsaPem }, algorithms: ['RS256'] });
const jwksVerifier = () =>
  verifierFor({ key: { kind: 'jwks', jwks: { keys: [keys.jwk1, keys.jwk2] } }, algorithms: ['RS256'] });

/** Flips one bit in the decoded signature, so the change is real whatever the base64url padding bits are. */
function flipSignature(token: string): string {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[sig.length >> 1] ^= 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

describe('attack list', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s is refused (empty or junk signature)', async (alg) => {
    for (const sig of ['', 'c2lnbmF0dXJl']) {
      const token = `${b64({ alg, typ: 'JWT' })}.${b64(valid())}.${sig}`;
      expectRefused(await hmac.verify(token), 'CF_TOKEN_ALG_NOT_ALLOWED', token);
      expectRefused(await spkiVerifier().verify(token), 'CF_TOKEN_ALG_NOT_ALLOWED', token);
    }
  });

  it('HS256 signed with the RSA public key PEM as HMAC secret is refused by an SPKI (and X.509) RS256 verifier', async () => {
    const forged = await signHs(valid(), {}, keys.rsaPem);
    expectRefused(await spkiVerifier().verify(forged), 'CF_TOKEN_ALG_NOT_ALLOWED', forged);
    const x509 = verifierFor({ key: { kind: 'x509', pem: cert.pem }, algorithms: ['RS256'] });
    const forgedWithCert = await signHs(valid(), {}, cert.pem);
    expectRefused(await x509.verify(forgedWithCert), 'CF_TOKEN_ALG_NOT_ALLOWED', forgedWithCert);
    const jwksForged = await signHs(valid(), { kid: 'k1' }, JSON.stringify(keys.jwk1));
    expectRefused(await jwksVerifier().verify(jwksForged), 'CF_TOKEN_ALG_NOT_ALLOWED', jwksForged);
  });

  it('an algorithm outside the allowlist is refused even with a good signature', async () => {
    const hs512 = await new SignJWT(valid()).setProtectedHeader({ alg: 'HS512' }).sign(enc.encode(SECRET));
    expectRefused(await hmac.verify(hs512), 'CF_TOKEN_ALG_NOT_ALLOWED', hs512);
    // PS256 by the very RSA key the verifier trusts for RS256 only.
    const pair = await generateKeyPair('RS256', { extractable: true });
    const pssKey = await importPKCS8(await exportPKCS8(pair.privateKey), 'PS256');
    const ps256 = await new SignJWT(valid()).setProtectedHeader({ alg: 'PS256' }).sign(pssKey);
    const rsOnly = verifierFor({ key: { kind: 'spki', pem: await exportSPKI(pair.publicKey) }, algorithms: ['RS256'] });
    expectRefused(await rsOnly.verify(ps256), 'CF_TOKEN_ALG_NOT_ALLOWED', ps256);
    const both = verifierFor({
      key: { kind: 'spki', pem: await exportSPKI(pair.publicKey) },
      algorithms: ['RS256', 'PS256'],
    });
    expectValid(await both.verify(ps256));
  });

  it('a tampered payload is refused', async () => {
    const [h, , s] = (await signHs(valid())).split('.');
    const t1 = `${h}.${b64(valid({ sub: 'admin', prodsub: ['gold'] }))}.${s}`;
    expectRefused(await hmac.verify(t1), 'CF_TOKEN_SIGNATURE_INVALID', t1);
    const [rh, , rs] = (await signRs(valid(), keys.rsa.privateKey)).split('.');
    const t2 = `${rh}.${b64(valid({ sub: 'admin' }))}.${rs}`;
    expectRefused(await spkiVerifier().verify(t2), 'CF_TOKEN_SIGNATURE_INVALID', t2);
  });

  it('a tampered signature is refused', async () => {
    const t1 = flipSignature(await signHs(valid()));
    expectRefused(await hmac.verify(t1), 'CF_TOKEN_SIGNATURE_INVALID', t1);
    const t2 = flipSignature(await signRs(valid(), keys.rsa.privateKey));
    expectRefused(await spkiVerifier().verify(t2), 'CF_TOKEN_SIGNATURE_INVALID', t2);
    const [h, p] = t1.split('.');
    const truncated = `${h}.${p}.${Buffer.alloc(8).toString('base64url')}`;
    expectRefused(await hmac.verify(truncated), 'CF_TOKEN_SIGNATURE_INVALID', truncated);
  });

  it('ES256 with r = s = 0 (psychic signature, all-zero 64 bytes) is refused', async () => {
    const ecJwk = { ...(await exportJWK(keys.ec.publicKey)), kid: 'e1' };
    const jwks = verifierFor({ key: { kind: 'jwks', jwks: { keys: [ecJwk] } }, algorithms: ['ES256'] });
    const spki = verifierFor({
      key: { kind: 'spki', pem: await exportSPKI(keys.ec.publicKey) },
      algorithms: ['ES256'],
    });
    const token = `${b64({ alg: 'ES256', kid: 'e1' })}.${b64(valid())}.${Buffer.alloc(64).toString('base64url')}`;
    expectRefused(await jwks.verify(token), 'CF_TOKEN_SIGNATURE_INVALID', token);
    expectRefused(await spki.verify(token), 'CF_TOKEN_SIGNATURE_INVALID', token);
  });

  describe('malformed tokens', () => {
    const h = b64({ alg: 'HS256' });
    const p = b64(valid());
    const s = 'c2lnbmF0dXJlc2lnbmF0dXJl';
    it.each([
      ['2 parts', () => `${h}.${p}`],
      ['5 parts (JWE compact)', () => `${h}.${p}.${s}.${s}.${s}`],
      ['4 parts', () => `${h}.${p}.${s}.${s}`],
      ['bad base64url character', () => `${h}.${p}!.${s}`],
      ['standard base64 with padding', () => `${h}.${p}.${s}==`],
      ['empty header part', () => `.${p}.${s}`],
      ['empty payload part', () => `${h}..${s}`],
      ['non-JSON header', () => `${b64('not json')}.${p}.${s}`],
      ['header is a JSON array', () => `${b64([{ alg: 'HS256' }])}.${p}.${s}`],
      ['header is a JSON string', () => `${b64('"HS256"')}.${p}.${s}`],
      ['header without alg', () => rawHs({ typ: 'JWT' }, valid())],
      ['whitespace around the token', () => ` ${h}.${p}.${s} `],
    ])('%s', async (_label, make) => {
      const token = make();
      expectRefused(await hmac.verify(token), 'CF_TOKEN_MALFORMED', token);
    });

    it.each([
      ['[]', []],
      ['"x"', 'x'],
      ['123', 123],
      ['null', null],
      ['true', true],
    ])('payload %s (validly signed) is not a JSON object', async (_label, payload) => {
      const token = rawHs({ alg: 'HS256' }, payload);
      expectRefused(await hmac.verify(token), 'CF_TOKEN_MALFORMED', token);
    });

    it('payload that is not JSON at all (validly signed)', async () => {
      const input = `${h}.${Buffer.from('{"sub":').toString('base64url')}`;
      const { createHmac } = await import('node:crypto');
      const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
      expectRefused(await hmac.verify(token), 'CF_TOKEN_MALFORMED', token);
    });
  });

  it('a nested JWT is not unwrapped: cty JWT and a payload that is itself a JWT are refused', async () => {
    const inner = await signHs(valid({ sub: 'admin' }));
    const ctyJwt = await new SignJWT(valid({ jwt: inner }))
      .setProtectedHeader({ alg: 'HS256', cty: 'JWT' })
      .sign(enc.encode(SECRET));
    expectRefused(await hmac.verify(ctyJwt), 'CF_TOKEN_MALFORMED', ctyJwt);
    const ctyLower = rawHs({ alg: 'HS256', cty: 'application/jwt' }, valid());
    expectRefused(await hmac.verify(ctyLower), 'CF_TOKEN_MALFORMED', ctyLower);
    // The payload bytes are the inner compact JWT itself (RFC 7519 §5.2 nesting).
    const input = `${b64({ alg: 'HS256', cty: 'JWT' })}.${Buffer.from(inner).toString('base64url')}`;
    const { createHmac } = await import('node:crypto');
    const nested = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    expectRefused(await hmac.verify(nested), 'CF_TOKEN_MALFORMED', nested);
    const noCty = rawHs({ alg: 'HS256' }, inner);
    expectRefused(await hmac.verify(noCty), 'CF_TOKEN_MALFORMED', noCty);
  });

  it('duplicate member names in the header or payload JSON are refused (RFC 7515 §5.2), at any depth', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const cases = [
      ['payload', '{"alg":"HS256"}', `{"sub":"u1","exp":${exp},"sub":"admin"}`, '"sub"'],
      ['escaped name', '{"alg":"HS256"}', `{"sub":"u1","exp":${exp},"\\u0073ub":"admin"}`, '"sub"'],
      ['nested object', '{"alg":"HS256"}', `{"sub":"u1","exp":${exp},"p":{"role":"a","role":"b"}}`, '"role"'],
      ['in an array', '{"alg":"HS256"}', `{"sub":"u1","exp":${exp},"l":[{"x":1,"x":2}]}`, '"x"'],
      ['header', '{"alg":"HS256","kid":"a","kid":"b"}', `{"sub":"u1","exp":${exp}}`, '"kid"'],
      ['header alg', '{"alg":"HS256","alg":"HS256"}', `{"sub":"u1","exp":${exp}}`, '"alg"'],
    ] as const;
    for (const [label, header, payload, name] of cases) {
      const token = rawHs(header, payload);
      const r = await hmac.verify(token);
      expectRefused(r, 'CF_TOKEN_MALFORMED', token);
      expect(r.status !== 'valid' && r.reason, label).toContain(`duplicate member name ${name}`);
    }
    // The same name in different objects is no duplicate.
    expectValid(
      await hmac.verify(rawHs('{"alg":"HS256"}', `{"sub":"u1","exp":${exp},"a":{"sub":"x"},"b":[{"sub":1}]}`)),
    );
    // The deepest nesting a token under the size limit can hold is walked without a crash.
    const deep = rawHs({ alg: 'HS256' }, `{"sub":"u1","exp":${exp},"d":${'['.repeat(2800)}${']'.repeat(2800)}}`);
    expectValid(await hmac.verify(deep));
  });

  it('an unknown crit header is refused', async () => {
    const unknown = rawHs({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 }, valid());
    expectRefused(await hmac.verify(unknown), 'CF_TOKEN_CRIT_UNSUPPORTED', unknown);
    const notArray = rawHs({ alg: 'HS256', crit: 'x-unknown' }, valid());
    expectRefused(await hmac.verify(notArray), 'CF_TOKEN_CRIT_UNSUPPORTED', notArray);
    const empty = rawHs({ alg: 'HS256', crit: [] }, valid());
    expectRefused(await hmac.verify(empty), 'CF_TOKEN_CRIT_UNSUPPORTED', empty);
  });

  it('a missing exp is refused (requireExp defaults to true)', async () => {
    const token = await signHs({ sub: 'u' });
    const r = await hmac.verify(token);
    expectRefused(r, 'CF_TOKEN_CLAIM_INVALID', token);
    expect(r.status !== 'valid' && r.reason).toMatch(/exp/);
  });

  it('a string exp ("9999999999") is refused', async () => {
    const token = await signHs({ sub: 'u', exp: '9999999999' });
    expectRefused(await hmac.verify(token), 'CF_TOKEN_CLAIM_INVALID', token);
    const nbf = await signHs(valid({ nbf: '0' }));
    expectRefused(await hmac.verify(nbf), 'CF_TOKEN_CLAIM_INVALID', nbf);
  });

  it('an expired exp inside the tolerance is valid; outside it is expired', async () => {
    const v = hmacAt({ clockToleranceSec: 30 });
    expectValid(await v.verify(await signHs({ sub: 'u', exp: NOW_S - 29 })));
    const outside = await signHs({ sub: 'u', exp: NOW_S - 30 });
    expectRefused(await v.verify(outside), 'CF_TOKEN_EXPIRED', outside);
    const strict = hmacAt({ clockToleranceSec: 0 });
    const justNow = await signHs({ sub: 'u', exp: NOW_S });
    expectRefused(await strict.verify(justNow), 'CF_TOKEN_EXPIRED', justNow);
  });

  it('a future nbf inside the tolerance is valid; outside it is not yet valid', async () => {
    const v = hmacAt({ clockToleranceSec: 30 });
    expectValid(await v.verify(await signHs({ sub: 'u', exp: NOW_S + 600, nbf: NOW_S + 30 })));
    const outside = await signHs({ sub: 'u', exp: NOW_S + 600, nbf: NOW_S + 31 });
    expectRefused(await v.verify(outside), 'CF_TOKEN_NOT_YET_VALID', outside);
  });

  describe('iss', () => {
    const v = verifierFor(hmacSettings({ issuer: 'https://idp.example.com' }));
    it('the configured issuer is valid', async () => {
      expectValid(await v.verify(await signHs(valid({ iss: 'https://idp.example.com' }))));
    });
    it.each([
      ['wrong', 'https://evil.example.com'],
      ['missing', undefined],
      ['case-changed', 'https://IDP.example.com'],
      ['trailing slash', 'https://idp.example.com/'],
      ['an array', ['https://idp.example.com']],
    ])('%s iss is refused', async (_label, iss) => {
      const token = await signHs(valid({ iss }));
      expectRefused(await v.verify(token), 'CF_TOKEN_ISSUER_INVALID', token);
    });
  });

  it('a wrong or missing aud is refused; one matching member of an aud array is enough', async () => {
    const v = verifierFor(hmacSettings({ audience: 'claimflow' }));
    expectValid(await v.verify(await signHs(valid({ aud: ['other', 'claimflow'] }))));
    for (const aud of ['other', undefined, 'Claimflow', ['other']]) {
      const token = await signHs(valid({ aud }));
      expectRefused(await v.verify(token), 'CF_TOKEN_AUDIENCE_INVALID', token);
    }
  });

  it.each([
    ['path traversal', '../../etc/passwd'],
    ['SQL injection', "' OR 1=1 --"],
    ['very long (4000 chars)', 'k'.repeat(4000)],
    ['NUL and newlines', 'k1\u0000\r\nX-Injected: 1'],
    ['URL', 'http://127.0.0.1:1/steal'],
    ['a number', 1],
    ['an object', { $ne: null }],
  ])('kid injection (%s) fails cleanly', async (_label, kid) => {
    const token = await signRs(valid(), keys.rsa.privateKey, { kid });
    const r = await jwksVerifier().verify(token);
    expectRefused(r, 'CF_TOKEN_KEY_NOT_FOUND', token);
    if (r.status !== 'valid' && typeof kid === 'string') expect(r.reason).not.toContain(kid);
  });

  describe('key-carrying headers', () => {
    let attackerServer: JwksServer;
    let attackerJwk: Record<string, unknown>;
    beforeAll(async () => {
      attackerJwk = { ...(await exportJWK(keys.attacker.publicKey)), kid: 'k1', alg: 'RS256' };
      attackerServer = await startJwksServer({ kind: 'jwks', body: { keys: [attackerJwk] } });
    });
    afterAll(() => attackerServer.close());

    it.each(['jku', 'x5u', 'jwk', 'x5c'])(
      '%s is ignored: no request is made and keys come from settings only',
      async (name) => {
        const headerValue = () => {
          if (name === 'jku') return attackerServer.url;
          if (name === 'x5u') return `${attackerServer.url}.pem`;
          if (name === 'jwk') return attackerJwk;
          return [cert.der64];
        };
        const signer = name === 'x5c' ? cert.privateKey : keys.attacker.privateKey;
        const forged = await signRs(valid({ sub: 'admin' }), signer, { kid: 'k1', [name]: headerValue() });
        for (const v of [spkiVerifier(), jwksVerifier()])
          expectRefused(await v.verify(forged), 'CF_TOKEN_SIGNATURE_INVALID', forged);
        // A token from the real signer that merely carries the header still verifies: the header is ignored, not trusted.
        const honest = await signRs(valid(), keys.rsa.privateKey, { kid: 'k1', [name]: headerValue() });
        expectValid(await jwksVerifier().verify(honest));
        expect(attackerServer.requests).toBe(0);
      },
    );
  });

  it('a token over 8 KiB is refused before parsing', async () => {
    const junk = 'x'.repeat(9000); // not even a JWS: size is checked first
    expectRefused(await hmac.verify(junk), 'CF_TOKEN_TOO_LARGE');
    const big = await signHs(valid({ pad: 'p'.repeat(7000) }));
    expect(big.length).toBeGreaterThan(8192);
    expectRefused(await hmac.verify(big), 'CF_TOKEN_TOO_LARGE', big);
    const multibyte = `${'é'.repeat(4097)}`; // 4097 characters, 8194 bytes
    expectRefused(await hmac.verify(multibyte), 'CF_TOKEN_TOO_LARGE');
    const underLimit = await signHs(valid({ pad: 'p'.repeat(5000) }));
    expect(underLimit.length).toBeLessThanOrEqual(8192);
    expectValid(await hmac.verify(underLimit));
  });
});
