/** Builds the replay target of a feature version inside the running service (live settings, catalogue, verifier). */
import type { CompiledFeature } from '../../engine';
import type { AppContext } from '../app-context';
import { createTokenVerifier, type JwtSettings } from '../auth';
import { getFeatureOr404 } from '../features/feature-service';
import type { ReplayTarget, TokenCheck } from './replay-service';

/** Verifies tokens of replay cases at a given instant (the case's clock), with the given settings. */
export interface ClockedVerifier {
  verify(token: string, at: number): Promise<TokenCheck>;
}

const clockedBySettings = new WeakMap<JwtSettings, ClockedVerifier>();

/**
 * A verifier whose clock is set per call. It has no cache (a cached success must not outlive its `exp` at another
 * case's clock) and verifies one token at a time, so each call reads its own instant. One is kept per settings
 * object, so a remote key set is fetched once per settings change, not once per replay.
 * @example await clockedVerifier(runtime.settings).verify(token, Date.parse('2025-01-01T00:00:00Z'))
 */
export function clockedVerifier(settings: JwtSettings): ClockedVerifier {
  const known = clockedBySettings.get(settings);
  if (known) return known;
  let clock = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const verifier = createTokenVerifier(settings, { cacheSize: 0, now: () => clock });
  const clocked: ClockedVerifier = {
    verify(token, at) {
      const run = queue.then(async (): Promise<TokenCheck> => {
        clock = at;
        const r = await verifier.verify(token);
        if (r.status === 'valid') return { status: 'valid', claims: r.claims };
        return { status: r.status, reason: `${r.code}: ${r.reason}` };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
  clockedBySettings.set(settings, clocked);
  return clocked;
}

export async function replayTarget(
  ctx: Pick<AppContext, 'store' | 'runtime'>,
  featureId: string,
  version: { compiled: CompiledFeature; version: number | 'draft' },
): Promise<ReplayTarget> {
  const feature = await getFeatureOr404(ctx.store, featureId);
  const settings = ctx.runtime.settings;
  return {
    compiled: version.compiled,
    version: version.version,
    customerEntitlements: feature.customerEntitlements,
    identity: settings,
    catalogue: ctx.runtime.catalogue,
    verify: (token, at) => clockedVerifier(settings).verify(token, at),
  };
}
