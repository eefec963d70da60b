/**
 * JWT integration settings (Zephr's "JWT integration" page): the verification key, allowed algorithms, issuer,
 * audience, clock tolerance, where the token is read from, the products claim and the user mapping.
 */
import { z } from 'zod';

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

const pem = (label: string) =>
  z
    .string()
    .max(16_384)
    .refine(
      (s) => s.includes(`-----BEGIN ${label}-----`),
      `must be a PEM block starting with -----BEGIN ${label}-----`,
    );

export const KeySettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('secret'),
    secret: z
      .string()
      .refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'the HMAC secret must be at least 32 bytes (256 bits)')
      .refine((s) => Buffer.byteLength(s, 'utf8') <= 1024, 'the HMAC secret is longer than 1024 bytes'),
  }),
  z.object({ kind: z.literal('spki'), pem: pem('PUBLIC KEY') }),
  z.object({ kind: z.literal('x509'), pem: pem('CERTIFICATE') }),
  z.object({
    kind: z.literal('jwks'),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1, 'the JWKS has no keys').max(100) }),
  }),
  z.object({
    kind: z.literal('jwksUrl'),
    url: z
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//.test(u), 'the JWKS URL must use http or https'),
    timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
    cooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
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
      .array(z.enum(ALGORITHMS, { message: 'unknown or forbidden algorithm (alg "none" is never allowed)' }))
      .min(1)
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
    s.algorithms.forEach((alg, i) => {
      const isHmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
      if (isHmac !== hmac)
        ctx.addIssue({
          code: 'custom',
          path: ['algorithms', i],
          message: hmac
            ? `${alg} needs a public key; an HMAC secret only verifies HS256/HS384/HS512`
            : `${alg} is an HMAC algorithm; it cannot be used with a ${s.key.kind} key`,
        });
    });
  });

export type JwtSettings = z.infer<typeof JwtSettingsSchema>;
export type JwtSettingsInput = z.input<typeof JwtSettingsSchema>;
export type TokenSources = z.infer<typeof TokenSourcesSchema>;

export const DEFAULT_JWT_SETTINGS: JwtSettings = JwtSettingsSchema.parse({});

/** The settings as they may be shown: an HMAC secret is never echoed back. */
export function redactJwtSettings(settings: JwtSettings): Record<string, unknown> {
  if (settings.key.kind !== 'secret') return { ...settings };
  return { ...settings, key: { kind: 'secret', secretSet: true } };
}
