/**
 * The synchronous HS256/384/512 verification (api/auth/lib/hmac-jwt.ts) answers every token exactly as jose's
 * jwtVerify does through the verifier (hmac: 'jose', the reference): same status, code, reason, claims and header.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, type JwtSettingsInput, JwtSettingsSchema, type TokenVerifier } from '../../../api/auth';
import { SECRET } from './fixtures';

const NOW_MS = 1_750_000_000_456;
const NOW = Math.floor(NOW_MS / 1000);
const HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
const ISSUERS = ['https://id.example.com/', 'other'];
const AUDIENCES = ['claimflow', 'shop', 'x'];

const bytes = (text: string) => Buffer.from(text, 'utf8');
const json = (value: unknown) => bytes(JSON.stringify(value));

/** Mostly `good`, sometimes one of `odd`. */
const mostly = <T>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: odd });
/** Present (mostly), or absent. */
const member = <T>(arb: fc.Arbitrary<T>, freq = 5) => fc.option(arb, { nil: undefined, freq });
/** Absent (mostly), or present. */
const rarely = <T>(arb: fc.Arbitrary<T>, weight = 6) =>
  fc.oneof({ weight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const first = (v: string | string[] | undefined, fallback: string) =>
  v === undefined ? fallback : typeof v === 'string' ? v : v[0];

/** Settings a shared secret may have; both verifiers of a pair get the same ones and the same clock. */
const settingsArb = fc.record({
  algorithms: fc.subarray([...HMAC_ALGS], { minLength: 1 }),
  issuer: fc.option(fc.oneof(fc.constantFrom(...ISSUERS), fc.subarray(ISSUERS, { minLength: 1 })), {
    nil: undefined,
  }),
  audience: fc.option(fc.oneof(fc.constantFrom(...AUDIENCES), fc.subarray(AUDIENCES, { minLength: 1 })), {
    nil: undefined,
  }),
  clockToleranceSec: fc.constantFrom(0, 1, 30, 300),
  requireExp: fc.boolean(),
});

type Settings = {
  algorithms: string[];
  issuer?: string | string[];
  audience?: string | string[];
  clockToleranceSec: number;
  requireExp: boolean;
};

/** A NumericDate claim: well inside the window, at the tolerance edges, fractional, or of the wrong type. */
const dateArb = (tolerance: number, good: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(good) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        NOW,
        NOW - tolerance,
        NOW - tolerance - 1,
        NOW - tolerance + 1,
        NOW + tolerance,
        NOW + tolerance + 1,
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: NOW - 400, max: NOW + 400 }).map((n) => n + 0.5) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('1750000000', null, true, [NOW], {}, 1e308, -1e308, 0) },
  );

const claimsArb = (s: Settings) =>
  fc
    .record({
      sub: member(fc.oneof(fc.string(), fc.integer())),
      exp: member(dateArb(s.clockToleranceSec, NOW + 3600), 8),
      nbf: member(dateArb(s.clockToleranceSec, NOW - 60), 2),
      iat: member(dateArb(s.clockToleranceSec, NOW - 60), 2),
      iss: member(
        mostly(
          fc.constant<unknown>(first(s.issuer, ISSUERS[0])),
          fc.oneof(
            fc.constantFrom<unknown>(...ISSUERS, 'https://id.example.com', 42, null),
            fc.array(fc.constantFrom(...ISSUERS)),
          ),
        ),
        8,
      ),
      aud: member(
        mostly(
          fc.oneof(
            fc.constant<unknown>(first(s.audience, AUDIENCES[0])),
            fc.constant<unknown>(['nope', first(s.audience, AUDIENCES[0])]),
          ),
          fc.oneof(
            fc.constantFrom<unknown>(...AUDIENCES, 'nope', 7, null, {}),
            fc.array(fc.oneof(fc.constantFrom<unknown>(...AUDIENCES, 'nope'), fc.integer()), { maxLength: 4 }),
          ),
        ),
        8,
      ),
      extra: member(fc.jsonValue({ maxDepth: 3 }), 2),
    })
    .map((claims) => Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)));

const headerArb = (s: Settings) =>
  fc
    .record({
      alg: mostly(
        fc.constantFrom<unknown>(...s.algorithms),
        fc.constantFrom<unknown>(...HMAC_ALGS, 'RS256', 'none', '', 5, null),
      ),
      typ: member(fc.constantFrom('JWT', 'at+jwt', 'jwt'), 2),
      kid: member(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), 2),
      crit: rarely(
        fc.oneof(
          fc.constantFrom<unknown>(['b64'], ['x'], [], ['b64', 'b64'], ['b64', 'x'], 'b64', [''], [5], null),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        8,
      ),
      b64: rarely(fc.constantFrom<unknown>(true, false, 'false', 0, null), 6),
      cty: rarely(fc.constantFrom('JWT', 'application/jwt', 'json'), 10),
    })
    .map((header) => Object.fromEntries(Object.entries(header).filter(([, v]) => v !== undefined)));

/** A JSON text's bytes, sometimes made odd: a repeated member, a BOM, malformed UTF-8, not JSON at all. */
const oddBytes = (value: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    { weight: 20, arbitrary: value.map(json) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(value, fc.constantFrom('alg', 'exp', 'iss', 'sub', 'a'), fc.jsonValue({ maxDepth: 1 }))
        .map(([v, name, repeated]) => {
          const text = JSON.stringify(v);
          const extra = `"${name}":${JSON.stringify(repeated)}`;
          return bytes(text === '{}' ? `{${extra},${extra}}` : `${text.slice(0, -1)},${extra}}`);
        }),
    },
    { weight: 1, arbitrary: value.map((v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(v)])) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(value, fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]))
        .map(([v, bad]) => {
          const text = JSON.stringify({ ...v, z: 'QQ' });
          const at = text.lastIndexOf('QQ');
          return Buffer.concat([bytes(text.slice(0, at)), Buffer.from(bad), bytes(text.slice(at))]);
        }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(json) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', ' {}', '{"a":1} ', '{"a":[1,{"b":2,"b":3}]}', '{"sub":"x","\\u0073ub":"y"}', 'null', '{')
        .map(bytes),
    },
  );

/** How the third part is made: the right MAC, another algorithm's, another secret's, cut, empty, re-encoded, junk. */
const signatureArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant('right') },
  fc.constantFrom('other-alg', 'other-secret', 'truncated', 'empty', 'dangling', 'non-canonical', 'random'),
);

/** Each part sometimes gets one more base64url character: a length that base64url cannot decode. */
const sometimes = fc.integer({ min: 0, max: 19 }).map((n) => n === 0);
const danglingArb = fc.record({ header: sometimes, payload: sometimes });

function sign(headerB64: string, payloadB64: string, alg: unknown, how: string, secret = SECRET): string {
  const input = `${headerB64}.${payloadB64}`;
  const hash = HASH[String(alg)] ?? 'sha256';
  const mac = (h: string, s: string) => createHmac(h, s).update(input).digest();
  const right = mac(hash, secret);
  switch (how) {
    case 'right':
      return right.toString('base64url');
    case 'other-alg':
      return mac(hash === 'sha256' ? 'sha384' : 'sha256', secret).toString('base64url');
    case 'other-secret':
      return mac(hash, `${secret}!`).toString('base64url');
    case 'truncated':
      return right.subarray(0, right.length - 1).toString('base64url');
    case 'empty':
      return '';
    case 'dangling': {
      // one character more than whole bytes: a length base64url cannot decode
      let s = right.toString('base64url');
      while (s.length % 4 !== 1) s += 'A';
      return s;
    }
    case 'non-canonical': {
      // the unused low bits of the last character set: the same bytes for a lenient decoder
      const s = right.toString('base64url');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s[s.length - 1]);
      return s.slice(0, -1) + alphabet[last | (s.length % 4 === 2 ? 0b1111 : 0b11)];
    }
    default:
      return Buffer.from(right.map((b) => b ^ 0x5a)).toString('base64url');
  }
}

function pair(settings: Partial<JwtSettingsInput>): [TokenVerifier, TokenVerifier] {
  const parsed = JwtSettingsSchema.parse({ key: { kind: 'secret', secret: SECRET }, ...settings });
  const options = { now: () => NOW_MS, cacheSize: 0 };
  return [createTokenVerifier(parsed, options), createTokenVerifier(parsed, { ...options, hmac: 'jose' })];
}

async function expectSameAnswer(fast: TokenVerifier, jose: TokenVerifier, token: string) {
  const [a, b] = await Promise.all([fast.verify(token), jose.verify(token)]);
  expect(a).toEqual(b);
  return a;
}

describe('HMAC tokens verified with node:crypto answer exactly as jose', () => {
  it('for generated tokens: claims, tolerance edges, iss/aud, crit/b64, odd JSON, bad base64url and signatures', async () => {
    const seen = new Map<string, number>();
    const arb = settingsArb.chain((settings) =>
      fc.tuple(
        fc.constant(settings),
        oddBytes(headerArb(settings)),
        oddBytes(claimsArb(settings)),
        signatureArb,
        danglingArb,
      ),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([settings, headerBytes, payloadBytes, how, dangling]) => {
        const [fast, jose] = pair(settings);
        let headerB64 = headerBytes.toString('base64url');
        let payloadB64 = payloadBytes.toString('base64url');
        if (dangling.header) headerB64 += 'A';
        if (dangling.payload) payloadB64 += 'A';
        let alg: unknown;
        try {
          alg = (JSON.parse(headerBytes.toString('utf8')) as { alg?: unknown }).alg;
        } catch {
          alg = 'HS256';
        }
        const token = `${headerB64}.${payloadB64}.${sign(headerB64, payloadB64, alg, how)}`;
        const r = await expectSameAnswer(fast, jose, token);
        const key = r.status === 'valid' ? 'valid' : r.code;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 4000 },
    );
    // the generators reach every outcome the shared-secret path can give
    for (const code of [
      'valid',
      'CF_TOKEN_EXPIRED',
      'CF_TOKEN_NOT_YET_VALID',
      'CF_TOKEN_ISSUER_INVALID',
      'CF_TOKEN_AUDIENCE_INVALID',
      'CF_TOKEN_CLAIM_INVALID',
      'CF_TOKEN_SIGNATURE_INVALID',
      'CF_TOKEN_ALG_NOT_ALLOWED',
      'CF_TOKEN_CRIT_UNSUPPORTED',
      'CF_TOKEN_MALFORMED',
    ])
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
  });

  it('for tokens made of random base64url parts', async () => {
    const [fast, jose] = pair({ algorithms: ['HS256'], clockToleranceSec: 30, requireExp: false });
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
    await fc.assert(
      fc.asyncProperty(part, part, part, async (h, p, s) => {
        await expectSameAnswer(fast, jose, `${h}.${p}.${s}`);
        // and with a real MAC over the random parts
        await expectSameAnswer(fast, jose, `${h}.${p}.${sign(h, p, 'HS256', 'right')}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('for a valid token of each algorithm: the same frozen claims and header', async () => {
    const [fast, jose] = pair({ algorithms: [...HMAC_ALGS], clockToleranceSec: 0, requireExp: true });
    for (const alg of HMAC_ALGS) {
      const h = Buffer.from(JSON.stringify({ alg, kid: 'k1' })).toString('base64url');
      const p = Buffer.from(JSON.stringify({ sub: 'u', exp: NOW + 1, nested: { a: [1] } })).toString('base64url');
      const r = await expectSameAnswer(fast, jose, `${h}.${p}.${sign(h, p, alg, 'right')}`);
      expect(r).toMatchObject({ status: 'valid', header: { alg, kid: 'k1' } });
      if (r.status === 'valid') expect(Object.isFrozen((r.claims.nested as { a: unknown }).a)).toBe(true);
    }
  });

  it('for the rare edges one by one: crit, b64, unencoded payloads, dangling base64url, BOMs, non-canonical MACs', async () => {
    const [fast, jose] = pair({ algorithms: ['HS256', 'HS384'], clockToleranceSec: 5, requireExp: true });
    const claims = { sub: 'u', exp: NOW + 60 };
    const enc = (v: unknown) => (Buffer.isBuffer(v) ? v : json(v)).toString('base64url');
    const token = (header: unknown, payload: unknown, how = 'right', dangle = '') => {
      const h = enc(header) + dangle;
      const p = enc(payload);
      return `${h}.${p}.${sign(h, p, (header as { alg?: unknown }).alg, how)}`;
    };
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const cases = [
      token({ alg: 'HS256', crit: ['b64'], b64: false }, claims),
      token({ alg: 'HS256', crit: ['b64'], b64: false }, claims, 'other-secret'),
      token({ alg: 'HS256', crit: ['b64'], b64: true }, claims),
      token({ alg: 'HS256', crit: ['b64'], b64: 'no' }, claims),
      token({ alg: 'HS256', crit: ['b64'] }, claims),
      token({ alg: 'HS256', crit: ['b64', 'b64'], b64: true }, claims),
      token({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims),
      token({ alg: 'HS256', crit: [] }, claims),
      token({ alg: 'HS256', b64: false }, claims),
      token({ alg: 'HS256' }, claims, 'dangling'),
      token({ alg: 'HS256' }, claims, 'non-canonical'),
      token({ alg: 'HS256' }, claims, 'empty'),
      token({ alg: 'HS384' }, claims, 'other-alg'),
      token({ alg: 'HS256' }, claims, 'right', 'A'),
      token({ alg: 'HS256' }, Buffer.concat([bom, json(claims)])),
      token(Buffer.concat([bom, json({ alg: 'HS256' })]), claims),
      token({ alg: 'HS256' }, { ...claims, exp: NOW - 5 }),
      token({ alg: 'HS256' }, { ...claims, exp: NOW - 4 }),
      token({ alg: 'HS256' }, { ...claims, nbf: NOW + 5 }),
      token({ alg: 'HS256' }, { ...claims, nbf: NOW + 6 }),
      token({ alg: 'HS256' }, { ...claims, exp: '9999999999' }),
      token({ alg: 'HS256' }, { sub: 'u' }),
      token({ alg: 'HS256' }, [claims]),
    ];
    const answers = [];
    for (const t of cases) answers.push(await expectSameAnswer(fast, jose, t));
    expect(answers.map((a) => (a.status === 'valid' ? 'valid' : a.reason))).toEqual([
      'malformed token: JWTs MUST NOT use unencoded payload',
      'the signature does not verify',
      'valid',
      'malformed token: The "b64" (base64url-encode payload) Header Parameter must be a boolean',
      'bad crit header: Extension Header Parameter "b64" is missing',
      'valid',
      'the token names a crit extension that is not supported',
      'bad crit header: "crit" (Critical) Header Parameter MUST be an array of non-empty strings when present',
      'valid',
      'malformed token: Failed to base64url decode the signature',
      'valid',
      'the signature does not verify',
      'the signature does not verify',
      'malformed token: JWS Protected Header is invalid',
      'valid',
      'the token header is not a base64url JSON object',
      'the token has expired (exp is in the past)',
      'valid',
      'valid',
      'the token is not valid yet (nbf is in the future)',
      'claim exp: "exp" claim must be a number',
      'claim exp: missing required "exp" claim',
      'malformed token: JWT Claims Set must be a top-level JSON object',
    ]);
  });
});
