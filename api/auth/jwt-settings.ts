/** JWT integration settings (key, algorithms, iss, aud, tolerance, token sources, claim mapping) and their schema. */
import { createPublicKey, type JsonWebKey, type KeyObject, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { jwksProblems } from './lib/jwks-policy';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export const ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** The public key inside a PEM public key or certificate, or null when it does not parse. */
export function publicKeyOfPem(kind: 'spki' | 'x509', pem: string): KeyObject | null {
  try {
    return kind === 'spki' ? createPublicKey({ key: pem, format: 'pem' }) : new X509Certificate(pem).publicKey;
  } catch {
    return null;
  }
}

const pem = (kind: 'spki' | 'x509', label: string) =>
  z
    .string()
    .max(16_384)
    .superRefine((s, ctx) => {
      if (!s.includes(`-----BEGIN ${label}-----`))
        ctx.addIssue({ code: 'custom', message: `pem must be a PEM block starting with -----BEGIN ${label}-----` });
      else if (!publicKeyOfPem(kind, s))
        ctx.addIssue({ code: 'custom', message: `pem: the ${label.toLowerCase()} does not parse` });
    });

/**
 * Why an inline JWK cannot verify anything, or null: it must import as a public key (e.g. an RSA key needs n and e)
 * and an RSA key must be at least 2048 bits, as jose requires when verifying.
 */
export function jwkImportProblem(jwk: Record<string, unknown>): string | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
    return `(kty ${JSON.stringify(String(jwk.kty).slice(0, 16))}) cannot be imported: ${message}`;
  }
  if (key.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    return 'is an RSA key shorter than 2048 bits';
  if (!algorithmsForKey(key)) return `is a ${key.asymmetricKeyType} key, which no JOSE algorithm verifies`;
  return null;
}

/** Which algorithms a public key can verify; null when it is of a type no JOSE algorithm uses. */
export function algorithmsForKey(key: KeyObject): readonly string[] | null {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
  if (type === 'rsa-pss') return ['PS256', 'PS384', 'PS512'];
  if (type === 'ed25519') return ['EdDSA'];
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return ['ES256'];
    if (curve === 'secp384r1') return ['ES384'];
    if (curve === 'secp521r1') return ['ES512'];
  }
  return null;
}

export const KeySettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('secret'),
    secret: z
      .string()
      .refine(
        (s) => Buffer.byteLength(s, 'utf8') >= 32,
        'secret: the HMAC secret must be at least 32 bytes (256 bits) of UTF-8',
      )
      .refine((s) => Buffer.byteLength(s, 'utf8') <= 1024, 'secret: the HMAC secret is longer than 1024 bytes'),
  }),
  z.object({ kind: z.literal('spki'), pem: pem('spki', 'PUBLIC KEY') }),
  z.object({ kind: z.literal('x509'), pem: pem('x509', 'CERTIFICATE') }),
  z.object({
    kind: z.literal('jwks'),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).superRefine((jwks, ctx) => {
      for (const p of jwksProblems(jwks))
        ctx.addIssue({
          code: 'custom',
          path: p.index === undefined ? ['keys'] : ['keys', p.index],
          message: `jwks: ${p.message}`,
        });
    }),
  }),
  z.object({
    kind: z.literal('jwksUrl'),
    url: z
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//.test(u), 'the JWKS URL must use http or https'),
    timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
    cooldownMs: z.number().int().min(0).max(3_600_000).default(5_000),
    cacheMaxAgeMs: z.number().int().min(1_000).max(86_400_000).default(600_000),
  }),
]);

const stringOrList = z.union([z.string().min(1).max(1024), z.array(z.string().min(1).max(1024)).min(1).max(20)]);
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name uses letters, digits and -')
  .transform((h) => h.toLowerCase());
const SOURCES = ['header', 'bearer', 'cookie'] as const;

export const TokenSourcesSchema = z.object({
  cookie: z
    .string()
    .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/, 'not a valid cookie name')
    .nullable()
    .default('blaize_jwt'),
  bearer: z.boolean().default(true),
  header: headerName.nullable().default(null),
  precedence: z
    .array(z.enum(SOURCES))
    .min(1)
    .max(3)
    .refine((l) => new Set(l).size === l.length, 'each source at most once')
    .default(['header', 'bearer', 'cookie']),
});

export const JwtSettingsSchema = z
  .object({
    key: KeySettingsSchema.default({ kind: 'none' }),
    algorithms: z
      .array(
        z.enum(ALGORITHMS, {
          message: `algorithms: unknown or forbidden algorithm (one of ${ALGORITHMS.join(', ')}; "none" is never allowed)`,
        }),
      )
      .min(1, 'algorithms: list at least one algorithm')
      .default(['HS256']),
    issuer: stringOrList.optional(),
    audience: stringOrList.optional(),
    clockToleranceSec: z.number().int().min(0).max(300).default(30),
    requireExp: z.boolean().default(true),
    tokenSources: TokenSourcesSchema.default({
      cookie: 'blaize_jwt',
      bearer: true,
      header: null,
      precedence: ['header', 'bearer', 'cookie'],
    }),
    productsClaim: z.string().min(1).max(256).default('prodsub'),
    foreignUserIdProperty: z.string().min(1).max(256).default('sub'),
    foreignKeySystem: z.string().max(128).default(''),
    invalidTokenMode: z.enum(['anonymous', 'reject']).default('anonymous'),
  })
  .superRefine((s, ctx) => {
    if (s.key.kind === 'none') return;
    const hmac = s.key.kind === 'secret';
    const key = s.key.kind === 'spki' || s.key.kind === 'x509' ? publicKeyOfPem(s.key.kind, s.key.pem) : null;
    const usable = key ? algorithmsForKey(key) : null;
    if (key && !usable)
      ctx.addIssue({
        code: 'custom',
        path: ['key', 'pem'],
        message: `pem: a ${key.asymmetricKeyType} key cannot verify any JOSE algorithm`,
      });
    if (key?.asymmetricKeyType?.startsWith('rsa') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      ctx.addIssue({ code: 'custom', path: ['key', 'pem'], message: 'pem: RSA keys must be at least 2048 bits' });
    s.algorithms.forEach((alg, i) => {
      const isHmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
      if (isHmac !== hmac)
        ctx.addIssue({
          code: 'custom',
          path: ['algorithms', i],
          message: hmac
            ? `algorithms: ${alg} needs a public key; an HMAC secret only verifies HS256/HS384/HS512`
            : `algorithms: ${alg} is an HMAC algorithm; it cannot be used with a ${s.key.kind} key`,
        });
      else if (usable && !usable.includes(alg))
        ctx.addIssue({
          code: 'custom',
          path: ['algorithms', i],
          message: `algorithms: ${alg} cannot be verified with the configured ${key?.asymmetricKeyType} key (it verifies ${usable.join(', ')})`,
        });
    });
  });

/**
 * The settings as they may be saved: stricter than what is loaded from storage (so settings stored by an older
 * version still load), every inline JWKS key must import as a public key that some JOSE algorithm can use.
 */
export const JwtSettingsSaveSchema = JwtSettingsSchema.superRefine((s, ctx) => {
  if (s.key.kind !== 'jwks') return;
  s.key.jwks.keys.forEach((jwk, index) => {
    const problem = jwkImportProblem(jwk);
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['key', 'jwks', 'keys', index], message: `jwks: key ${index} ${problem}` });
  });
});

export type JwtSettings = z.infer<typeof JwtSettingsSchema>;
export type JwtSettingsInput = z.input<typeof JwtSettingsSchema>;
export type TokenSources = z.infer<typeof TokenSourcesSchema>;

export const DEFAULT_JWT_SETTINGS: JwtSettings = JwtSettingsSchema.parse({});

type KeySettings = JwtSettings['key'];
export type RedactedJwtSettings = Omit<JwtSettings, 'key'> & {
  key: Exclude<KeySettings, { kind: 'secret' }> | { kind: 'secret'; secretSet: true };
};

/**
 * The settings as they may be shown: an HMAC secret is never echoed back (PEMs, JWKS and URLs are public).
 * @example redactJwtSettings(s).key // { kind: 'secret', secretSet: true }
 */
export function redactJwtSettings(settings: JwtSettings): RedactedJwtSettings {
  if (settings.key.kind !== 'secret') return { ...settings, key: settings.key };
  return { ...settings, key: { kind: 'secret', secretSet: true } };
}
