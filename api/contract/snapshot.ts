/**
 * The snapshot a local-evaluation SDK decides from (`GET /v1/snapshot`, ETag / If-None-Match -> 304) and the change
 * events of `GET /v1/snapshot/stream` (server-sent events). Pure zod: no Node built-ins.
 * A snapshot never carries an HMAC secret: with `jwt.key.kind === 'secret'` the site passes its own copy to the SDK.
 */
import { z } from 'zod';
import { CompiledFeatureSchema } from '../../engine/compile/compiled-feature';
import { ErrorBodySchema } from './common';

export const SNAPSHOT_FORMAT = 'claimflow.snapshot/1';

/** The verification key as published to SDKs: public material only. */
export const PublicKeySettingsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('secret') }).describe('HMAC: the secret is never published; the site configures it'),
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
]);
export type PublicKeySettings = z.infer<typeof PublicKeySettingsSchema>;

const stringOrList = z.union([z.string(), z.array(z.string())]);

/** JWT settings without secrets: everything a site needs to verify tokens exactly like the service. */
export const PublicJwtSettingsSchema = z.object({
  key: PublicKeySettingsSchema,
  algorithms: z.array(z.string()),
  issuer: stringOrList.optional(),
  audience: stringOrList.optional(),
  clockToleranceSec: z.number().int(),
  requireExp: z.boolean(),
  productsClaim: z.string(),
  foreignUserIdProperty: z.string(),
  foreignKeySystem: z.string(),
  invalidTokenMode: z.enum(['anonymous', 'reject']),
});
export type PublicJwtSettings = z.infer<typeof PublicJwtSettingsSchema>;

export const SnapshotFeatureSchema = z.object({
  id: z.string(),
  customerEntitlements: z.array(z.string()),
  version: z.number().int().positive(),
  compiled: CompiledFeatureSchema,
  /** Split tests or trial meters: per-visitor state (trial meters are counted by the service, see the SDK). */
  hasMeters: z.boolean(),
});
export type SnapshotFeature = z.infer<typeof SnapshotFeatureSchema>;

export const SnapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  /** The same value as the ETag header (quoted there). */
  etag: z.string(),
  generatedAt: z.string(),
  jwt: PublicJwtSettingsSchema,
  catalogue: z.object({
    products: z.array(
      z.object({ id: z.string(), claimValues: z.array(z.string()), entitlementIds: z.array(z.string()) }),
    ),
    entitlements: z.array(z.object({ id: z.string(), parentId: z.string().nullable() })),
  }),
  /** Features with a published version (unpublished ones are absent). */
  features: z.array(SnapshotFeatureSchema),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** `data` of a stream event `change` (also sent once on connect as `hello`): the snapshot's new ETag. */
export const SnapshotChangeEventSchema = z.object({ etag: z.string() });
export type SnapshotChangeEvent = z.infer<typeof SnapshotChangeEventSchema>;

/** The snapshot routes: public, like decisions; an unknown or revoked site key answers 401 CF_SITE_KEY_INVALID. */
export const snapshotRoutesContract = {
  snapshot: {
    operationId: 'getSnapshot',
    summary: 'Published compiled features, catalogue and public JWT settings for local evaluation (ETag)',
    tags: ['sdk'],
    security: [],
    response: {
      200: SnapshotSchema,
      304: z.null().describe('Not modified: the If-None-Match ETag is current'),
      401: ErrorBodySchema,
      500: ErrorBodySchema,
      503: ErrorBodySchema,
    },
  },
  stream: {
    operationId: 'streamSnapshotChanges',
    summary: 'Server-sent events: `hello` with the snapshot ETag on connect, `change` with the new one on every change',
    tags: ['sdk'],
    security: [],
    response: {
      200: {
        description: 'A stream of server-sent events',
        content: {
          'text/event-stream': {
            schema: z.string().describe('`event: hello|change` lines with `data: {"etag": "..."}`'),
          },
        },
      },
      401: ErrorBodySchema,
      500: ErrorBodySchema,
      503: ErrorBodySchema,
    },
  },
};
