/**
 * Builds the snapshot a local-evaluation SDK decides from: published compiled features, the catalogue and the JWT
 * settings without secrets, from the runtime's in-memory view (the catalogue rows from the store). Rebuilt only when
 * the runtime's view changed; the ETag is a hash of the content.
 */
import { createHash } from 'node:crypto';
import type { JwtSettings } from '../../auth';
import { needsVisitorId } from '../../contract/ofrep';
import { type PublicJwtSettings, SNAPSHOT_FORMAT, type Snapshot } from '../../contract/snapshot';
import { publishedIn, type Runtime } from '../../runtime/runtime';

/** The JWT settings without the HMAC secret (a site using HMAC configures its own copy). */
export function publicJwtSettings(s: JwtSettings): PublicJwtSettings {
  const out: PublicJwtSettings = {
    key: s.key.kind === 'secret' ? { kind: 'secret' } : s.key,
    algorithms: [...s.algorithms],
    clockToleranceSec: s.clockToleranceSec,
    requireExp: s.requireExp,
    productsClaim: s.productsClaim,
    foreignUserIdProperty: s.foreignUserIdProperty,
    foreignKeySystem: s.foreignKeySystem,
    invalidTokenMode: s.invalidTokenMode,
  };
  if (s.issuer !== undefined) out.issuer = s.issuer;
  if (s.audience !== undefined) out.audience = s.audience;
  return out;
}

export interface SnapshotSource {
  /** The current snapshot (cached while the runtime's view is unchanged). */
  current(): Promise<Snapshot>;
}

/** The snapshot of one environment (undefined: the default one). */
export function snapshotSource(runtime: Runtime, environment?: string): SnapshotSource {
  let cached: { key: string; settings: unknown; catalogue: unknown; snapshot: Snapshot } | null = null;
  let building: Promise<Snapshot> | null = null;

  const fingerprint = () =>
    [...runtime.features.values()]
      .map(
        (f) =>
          `${f.feature.id}:${publishedIn(f, environment)?.version ?? '-'}:${f.feature.customerEntitlements.join(',')}`,
      )
      .sort()
      .join('|');

  async function build(key: string, settings: unknown, catalogue: unknown): Promise<Snapshot> {
    const [products, entitlements] = await Promise.all([
      runtime.store.listProducts(),
      runtime.store.listEntitlements(),
    ]);
    const features = [...runtime.features.values()]
      .map((f) => ({ f, live: publishedIn(f, environment) }))
      .filter((x) => x.live !== null)
      .map(({ f, live }) => ({
        id: f.feature.id,
        customerEntitlements: [...f.feature.customerEntitlements],
        version: live!.version,
        compiled: live!.compiled,
        hasMeters: needsVisitorId(live!.compiled),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const content = {
      jwt: publicJwtSettings(runtime.settings),
      catalogue: {
        products: products
          .map((p) => ({ id: p.id, claimValues: [...p.claimValues], entitlementIds: [...p.entitlementIds] }))
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
        entitlements: entitlements
          .map((e) => ({ id: e.id, parentId: e.parentId }))
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
      },
      features,
    };
    const etag = createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 27);
    const previous = cached?.snapshot;
    const snapshot: Snapshot =
      previous && previous.etag === etag
        ? previous
        : { format: SNAPSHOT_FORMAT, etag, generatedAt: new Date().toISOString(), ...content };
    cached = { key, settings, catalogue, snapshot };
    return snapshot;
  }

  return {
    current() {
      const key = fingerprint();
      const { settings, catalogue } = runtime;
      if (cached && cached.key === key && cached.settings === settings && cached.catalogue === catalogue)
        return Promise.resolve(cached.snapshot);
      building ??= build(key, settings, catalogue).finally(() => {
        building = null;
      });
      return building;
    },
  };
}
