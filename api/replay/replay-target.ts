/** Builds the replay target of a feature version inside the running service (live settings, catalogue, verifier). */
import { ClaimflowError, type CompiledFeature } from '../../engine';
import type { AppContext } from '../app-context';
import { getFeatureOr404 } from '../features/feature-service';
import type { ReplayTarget, TokenCheck } from './replay-service';

export async function replayTarget(
  ctx: Pick<AppContext, 'store' | 'runtime'>,
  featureId: string,
  version: { compiled: CompiledFeature; version: number | 'draft' },
): Promise<ReplayTarget> {
  const feature = await getFeatureOr404(ctx.store, featureId);
  const verifier = ctx.runtime.verifier;
  return {
    compiled: version.compiled,
    version: version.version,
    customerEntitlements: feature.customerEntitlements,
    identity: ctx.runtime.settings,
    catalogue: ctx.runtime.catalogue,
    async verify(token): Promise<TokenCheck> {
      const r = await verifier.verify(token);
      if (r.status === 'valid') return { status: 'valid', claims: r.claims };
      return { status: r.status, reason: `${r.code}: ${r.reason}` };
    },
  };
}

export function assertFeature(id: string | undefined): string {
  if (!id) throw new ClaimflowError('CF_REQUEST_INVALID', 'feature id missing', { field: 'feature' });
  return id;
}
