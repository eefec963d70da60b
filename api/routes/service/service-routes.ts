/**
 * Service routes outside the API prefixes: `/healthz` (the process answers), `/readyz` (the store answers real queries
 * and the key set is loaded: 503 otherwise, with each check) and `/metrics` (Prometheus).
 */
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { serviceRoutesContract } from '../../contract/service';
import { routePlugin } from '../../plugins/define-plugin';
import type { Runtime } from '../../runtime/runtime';
import type { Store } from '../../store/store';

export const serviceRoutes = routePlugin('claimflow-service-routes', async (base) => {
  const { store, runtime, metrics } = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { schema: serviceRoutesContract.health }, async () => ({ ok: true as const }));
  app.get('/readyz', { schema: serviceRoutesContract.ready }, async (_request, reply) => {
    const [storeCheck, keySet] = await Promise.all([storeReadiness(store), keySetReadiness(runtime)]);
    const ready = storeCheck.ok && keySet.ok;
    return reply
      .status(ready ? 200 : 503)
      .send({ ready, store: store.kind, features: runtime.features.size, checks: { store: storeCheck, keySet } });
  });
  app.get('/metrics', { schema: serviceRoutesContract.metrics }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
});

/** How long one readiness check may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 3_000;

function withinTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${READINESS_TIMEOUT_MS} ms`)),
      READINESS_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The store is ready when it answers and its schema answers real queries (the change sequence, the settings table). */
async function storeReadiness(store: Store) {
  const started = performance.now();
  try {
    const [answers] = await withinTimeout(
      Promise.all([store.ready(), store.getChangeSeq(), store.getSetting('jwt')]),
      'the store',
    );
    if (!answers) throw new Error('the store readiness check failed');
    return { ok: true, kind: store.kind, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: store.kind, detail: `the store schema cannot be queried: ${message.slice(0, 200)}` };
  }
}

/** The key set is ready unless it cannot be loaded, or a JWKS URL was never fetched successfully (tried again here). */
async function keySetReadiness(runtime: Runtime) {
  let status = runtime.verifier.keySet();
  if (!status.ready && status.kind === 'jwksUrl')
    status = await withinTimeout(runtime.verifier.prefetchKeySet(), 'the JWKS endpoint').catch(() => status);
  return {
    ok: status.ready,
    kind: status.kind,
    detail: status.detail,
    ...(status.remote
      ? {
          url: status.remote.url,
          lastSuccessAt:
            status.remote.lastSuccessAt === null ? null : new Date(status.remote.lastSuccessAt).toISOString(),
          lastFailure: status.remote.lastFailure,
        }
      : {}),
  };
}
