/**
 * JWT integration settings as the API takes and shows them: the pure shape (no Node built-ins), which the editor's
 * settings page imports. The service adds the checks that need `node:crypto` (a PEM parses, the key can verify the
 * algorithms listed, inline JWKS keys import) in `api/auth/jwt-settings.ts`, on top of this shape.
 */
import { z } from 'zod';
import { jwksProblems } from '../auth/lib/jwks-policy';

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

/** The kinds of verification key, in the order a form offers them. */
export const KEY_KINDS = ['none', 'secret', 'spki', 'x509', 'jwks', 'jwksUrl'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

const pem = (label: string) =>
  z
    .string()
    .max(16_384)
    .refine(
      (s) => s.includes(`-----BEGIN ${label}-----`),
      `pem must be a PEM block starting with -----BEGIN ${label}-----`,
    );

export const KeySettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).describe('verification off: every visitor is anonymous'),
  z
    .object({
      kind: z.literal('secret'),
      secret: z
        .string()
        .refine((s) => utf8Length(s) >= 32, 'secret: the HMAC secret must be at least 32 bytes (256 bits) of UTF-8')
        .refine((s) => utf8Length(s) <= 1024, 'secret: the HMAC secret is longer than 1024 bytes'),
    })
    .describe('HMAC secret shared with the site (HS256/384/512); never shown back'),
  z.object({ kind: z.literal('spki'), pem: pem('PUBLIC KEY') }).describe('a PEM public key'),
  z.object({ kind: z.literal('x509'), pem: pem('CERTIFICATE') }).describe('a PEM certificate'),
  z
    .object({
      kind: z.literal('jwks'),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).superRefine((jwks, ctx) => {
        for (const p of jwksProblems(jwks))
          ctx.addIssue({
            code: 'custom',
            path: p.index === undefined ? ['keys'] : ['keys', p.index],
            message: `jwks: ${p.message}`,
          });
      }),
    })
    .describe('an inline JWK Set of public keys'),
  z
    .object({
      kind: z.literal('jwksUrl'),
      url: z
        .url()
        .max(2048)
        .refine((u) => /^https?:\/\//.test(u), 'the JWKS URL must use http or https'),
      timeoutMs: z.number().int().min(100).max(30_000).default(3_000),
      cooldownMs: z.number().int().min(0).max(3_600_000).default(5_000),
      cacheMaxAgeMs: z.number().int().min(1_000).max(86_400_000).default(600_000),
    })
    .describe('a JWKS URL fetched and cached by the service'),
]);

const stringOrList = z.union([z.string().min(1).max(1024), z.array(z.string().min(1).max(1024)).min(1).max(20)]);
/** Header names are matched case-insensitively (the service lower-cases them when it reads a request). */
const headerName = z.string().regex(/^[a-z0-9-]{1,64}$/i, 'a header name uses letters, digits and -');
export const TOKEN_SOURCES = ['header', 'bearer', 'cookie'] as const;

export const TokenSourcesSchema = z.object({
  cookie: z
    .string()
    .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/, 'not a valid cookie name')
    .nullable()
    .default('blaize_jwt'),
  bearer: z.boolean().default(true),
  header: headerName.nullable().default(null),
  precedence: z
    .array(z.enum(TOKEN_SOURCES))
    .min(1)
    .max(3)
    .refine((l) => new Set(l).size === l.length, 'each source at most once')
    .default(['header', 'bearer', 'cookie'])
    .describe('which source wins when a request carries several'),
});

/** The settings' shape with the checks that need no crypto (the service adds those). */
export const JwtSettingsShape = z
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
    });
  });

/** PUT body: every field (omitted ones take their defaults); `{"kind":"secret","keep":true}` keeps the stored secret. */
export const JwtSettingsBodySchema = z
  .object({
    ...JwtSettingsShape.shape,
    key: z.union([KeySettingsSchema, z.object({ kind: z.literal('secret'), keep: z.literal(true) })]),
  })
  .meta({
    id: 'JwtSettingsBody',
    examples: [
      { key: { kind: 'secret', secret: 'at-least-32-bytes-of-shared-secret!!' }, algorithms: ['HS256'] },
      {
        key: { kind: 'spki', pem: '-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----' },
        algorithms: ['RS256'],
      },
      {
        key: { kind: 'x509', pem: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----' },
        algorithms: ['ES256'],
      },
      {
        key: { kind: 'jwks', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '...', kid: 'k1' }] } },
        algorithms: ['EdDSA'],
      },
      {
        key: { kind: 'jwksUrl', url: 'https://id.example.com/.well-known/jwks.json' },
        algorithms: ['RS256'],
        issuer: 'https://id.example.com/',
        audience: 'claimflow',
        tokenSources: { cookie: 'blaize_jwt', bearer: true, header: null, precedence: ['bearer', 'cookie'] },
      },
      { key: { kind: 'none' } },
    ],
  });
/** PATCH body: a JSON merge patch (RFC 7396) of the settings; `null` removes a field (it takes its default). */
export const JwtSettingsPatchSchema = z.record(z.string(), z.unknown()).meta({
  id: 'JwtSettingsPatch',
  examples: [{ algorithms: ['HS256', 'HS384'] }, { issuer: null }, { key: { kind: 'secret', keep: true } }],
});

const out = {
  key: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('secret'), secretSet: z.literal(true) }).describe('the secret itself is never shown'),
    z.object({ kind: z.literal('spki'), pem: z.string() }),
    z.object({ kind: z.literal('x509'), pem: z.string() }),
    z.object({ kind: z.literal('jwks'), jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) }),
    z.object({
      kind: z.literal('jwksUrl'),
      url: z.string(),
      timeoutMs: z.number().int(),
      cooldownMs: z.number().int(),
      cacheMaxAgeMs: z.number().int(),
    }),
  ]),
};
export const RedactedJwtSettingsSchema = z
  .object({
    key: out.key,
    algorithms: z.array(z.enum(ALGORITHMS)),
    issuer: z.union([z.string(), z.array(z.string())]).optional(),
    audience: z.union([z.string(), z.array(z.string())]).optional(),
    clockToleranceSec: z.number().int(),
    requireExp: z.boolean(),
    tokenSources: z.object({
      cookie: z.string().nullable(),
      bearer: z.boolean(),
      header: z.string().nullable(),
      precedence: z.array(z.enum(TOKEN_SOURCES)),
    }),
    productsClaim: z.string(),
    foreignUserIdProperty: z.string(),
    foreignKeySystem: z.string(),
    invalidTokenMode: z.enum(['anonymous', 'reject']),
  })
  .meta({ id: 'JwtSettings' });
export type RedactedJwtSettingsView = z.infer<typeof RedactedJwtSettingsSchema>;

export const KeySetStatusSchema = z.object({
  kind: z.enum(KEY_KINDS),
  ready: z.boolean().describe('false when the key cannot be loaded, or a JWKS URL was never fetched successfully'),
  detail: z.string(),
  remote: z
    .object({
      url: z.string(),
      lastSuccessAt: z.number().nullable().describe('epoch ms'),
      keys: z.number().int().nullable(),
      kids: z.array(z.string()),
      lastFailureAt: z.number().nullable(),
      lastFailure: z.string().nullable(),
    })
    .optional(),
});

export const TokenCaseReportSchema = z
  .object({
    checked: z.number().int().describe('stored suite cases with a token that were verified'),
    failing: z.array(
      z.object({
        feature: z.string(),
        suite: z.string(),
        case: z.string(),
        at: z.string().describe('the instant the token was verified at (the case clock)'),
        status: z.enum(['invalid', 'expired']),
        reason: z.string(),
      }),
    ),
  })
  .meta({ id: 'TokenCaseReport' });

export const JwtSettingsSavedSchema = z
  .object({
    settings: RedactedJwtSettingsSchema,
    changed: z
      .array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() }))
      .describe('each changed field; a secret is named, never shown'),
    keySet: KeySetStatusSchema,
    tokenCases: TokenCaseReportSchema.nullable().describe(
      'stored suite cases whose token verified before the change and no longer does (null if the check failed)',
    ),
  })
  .meta({ id: 'JwtSettingsSaved' });
