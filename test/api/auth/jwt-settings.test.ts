/** The JWT settings schema: defaults, refusals that name the field, and redaction of the secret. */
import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_JWT_SETTINGS, JwtSettingsSaveSchema, JwtSettingsSchema, redactJwtSettings } from '../../../api/auth';
import { type Certificate, makeCertificate } from './fixtures';

const issues = (input: unknown) => {
  const r = JwtSettingsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};
const paths = (input: unknown) => issues(input).map((i) => i.path);

let rsaPem: string;
let ecPem: string;
let cert: Certificate;
beforeAll(async () => {
  rsaPem = await exportSPKI((await generateKeyPair('RS256')).publicKey);
  ecPem = await exportSPKI((await generateKeyPair('ES256')).publicKey);
  cert = await makeCertificate();
});

describe('JwtSettingsSchema', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_JWT_SETTINGS).toMatchObject({
      key: { kind: 'none' },
      clockToleranceSec: 30,
      requireExp: true,
      tokenSources: { cookie: 'blaize_jwt', bearer: true, header: null, precedence: ['header', 'bearer', 'cookie'] },
      productsClaim: 'prodsub',
      foreignUserIdProperty: 'sub',
      foreignKeySystem: '',
      invalidTokenMode: 'anonymous',
    });
    const remote = JwtSettingsSchema.parse({
      key: { kind: 'jwksUrl', url: 'https://idp.example.com/jwks' },
      algorithms: ['RS256'],
    });
    expect(remote.key).toEqual({
      kind: 'jwksUrl',
      url: 'https://idp.example.com/jwks',
      timeoutMs: 3000,
      cooldownMs: 5000,
      cacheMaxAgeMs: 600000,
    });
  });

  it('refuses an HMAC secret of 31 bytes, naming key.secret; 32 bytes (counted as UTF-8) pass', () => {
    const got = issues({ key: { kind: 'secret', secret: 'x'.repeat(31) }, algorithms: ['HS256'] });
    expect(got.map((i) => i.path)).toEqual(['key.secret']);
    expect(got[0].message).toMatch(/secret.*32 bytes/);
    expect(paths({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: ['HS256'] })).toEqual([]);
    // 16 characters of two bytes each are 32 bytes.
    expect(paths({ key: { kind: 'secret', secret: 'é'.repeat(16) }, algorithms: ['HS256'] })).toEqual([]);
  });

  it('refuses alg none (any case) and unknown algorithms, naming algorithms', () => {
    for (const alg of ['none', 'None', 'HS1', 'RS1']) {
      const got = issues({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: [alg] });
      expect(got.map((i) => i.path)).toEqual(['algorithms.0']);
      expect(got[0].message).toContain('algorithms');
    }
    expect(paths({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: [] })).toEqual(['algorithms']);
  });

  it('refuses HS256 with a public key and RS256 with a secret, naming algorithms', () => {
    const hsWithSpki = issues({ key: { kind: 'spki', pem: rsaPem }, algorithms: ['RS256', 'HS256'] });
    expect(hsWithSpki.map((i) => i.path)).toEqual(['algorithms.1']);
    expect(hsWithSpki[0].message).toMatch(/algorithms: HS256 is an HMAC algorithm/);
    expect(paths({ key: { kind: 'jwksUrl', url: 'https://idp.example.com/k' }, algorithms: ['HS512'] })).toEqual([
      'algorithms.0',
    ]);
    expect(paths({ key: { kind: 'secret', secret: 'x'.repeat(32) }, algorithms: ['RS256'] })).toEqual(['algorithms.0']);
  });

  it('checks that the PEM parses and fits the algorithms', () => {
    expect(paths({ key: { kind: 'spki', pem: rsaPem }, algorithms: ['RS256', 'PS256'] })).toEqual([]);
    expect(paths({ key: { kind: 'x509', pem: cert.pem }, algorithms: ['RS256'] })).toEqual([]);
    expect(
      paths({
        key: { kind: 'spki', pem: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' },
        algorithms: ['RS256'],
      }),
    ).toEqual(['key.pem']);
    expect(paths({ key: { kind: 'x509', pem: rsaPem }, algorithms: ['RS256'] })).toEqual(['key.pem']);
    expect(paths({ key: { kind: 'spki', pem: ecPem }, algorithms: ['RS256'] })).toEqual(['algorithms.0']);
    expect(paths({ key: { kind: 'spki', pem: ecPem }, algorithms: ['ES256'] })).toEqual([]);
  });

  it('refuses an inline JWKS holding symmetric or private keys, naming the key', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const pub = { ...(await exportJWK(pair.publicKey)), kid: 'a' };
    const priv = { ...(await exportJWK(pair.privateKey)), kid: 'b' };
    const algorithms = ['RS256'];
    expect(paths({ key: { kind: 'jwks', jwks: { keys: [pub] } }, algorithms })).toEqual([]);
    expect(paths({ key: { kind: 'jwks', jwks: { keys: [pub, { kty: 'oct', k: 'c2VjcmV0' }] } }, algorithms })).toEqual([
      'key.jwks.keys.1',
    ]);
    expect(paths({ key: { kind: 'jwks', jwks: { keys: [priv] } }, algorithms })).toEqual(['key.jwks.keys.0']);
    expect(paths({ key: { kind: 'jwks', jwks: { keys: [] } }, algorithms })).toEqual(['key.jwks.keys']);
  });

  it('at save, refuses inline JWKS keys that cannot be imported, naming the index; stored ones still load', async () => {
    const pub = { ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid: 'a' };
    const savePaths = (keys: unknown[]) => {
      const r = JwtSettingsSaveSchema.safeParse({ key: { kind: 'jwks', jwks: { keys } }, algorithms: ['RS256'] });
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(savePaths([pub])).toEqual([]);
    expect(savePaths([{ kty: 'RSA' }])).toEqual(['key.jwks.keys.0']);
    expect(savePaths([pub, { kty: 'RSA', e: 'AQAB' }, { kty: 'OKP', crv: 'Ed25519' }])).toEqual([
      'key.jwks.keys.1',
      'key.jwks.keys.2',
    ]);
    // Settings saved by an older version (before this check) keep loading, so their good keys keep verifying.
    expect(paths({ key: { kind: 'jwks', jwks: { keys: [pub, { kty: 'RSA' }] } }, algorithms: ['RS256'] })).toEqual([]);
  });

  it('refuses a JWKS URL that is not http(s), and out-of-range tolerance', () => {
    expect(paths({ key: { kind: 'jwksUrl', url: 'file:///etc/passwd' }, algorithms: ['RS256'] })).toEqual(['key.url']);
    expect(paths({ clockToleranceSec: 301 })).toEqual(['clockToleranceSec']);
    expect(paths({ tokenSources: { precedence: ['cookie', 'cookie'] } })).toEqual(['tokenSources.precedence']);
  });
});

describe('redactJwtSettings', () => {
  it('never echoes the secret; public material is shown', () => {
    const secret = 's'.repeat(40);
    const redacted = redactJwtSettings(JwtSettingsSchema.parse({ key: { kind: 'secret', secret } }));
    expect(redacted.key).toEqual({ kind: 'secret', secretSet: true });
    expect(JSON.stringify(redacted)).not.toContain(secret);
    const spki = JwtSettingsSchema.parse({ key: { kind: 'spki', pem: rsaPem }, algorithms: ['RS256'] });
    expect(redactJwtSettings(spki).key).toEqual({ kind: 'spki', pem: rsaPem });
  });
});
