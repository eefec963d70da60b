/**
 * The context plugin: opens what the routes share (store, runtime, metrics, meters, the release flow's store, webhook
 * deliveries, scheduled changes), decorates the root instance with it (`app.claimflow`, `app.releaseFlow`), and
 * closes it with the app. Route plugins read these decorators and declare them (see ./define-plugin.ts); nothing
 * passes the context as an argument. The admin key is not part of it: it stays with ./admin-access.ts.
 */
import type { AppContext } from '../app-context';
import { SITE_KEY_HEADER } from '../contract/release';
import type { DecideDeps } from '../decisions/decide';
import { createDecisionEvaluator, createShadowChecker, type EvaluatorMode } from '../decisions/evaluators';
import { createMetrics } from '../decisions/metrics';
import { createEventEmitter } from '../events/emitter';
import { compiledFor } from '../features/feature-service';
import { Environments } from '../release/environments';
import type { ReleaseContext } from '../release/release-context';
import { Runtime } from '../runtime/runtime';
import { type SchedulerOptions, startScheduler } from '../schedules/scheduler';
import { scheduleMeterPruning } from '../store/meters/prune-schedule';
import { openRedisMeterStore } from '../store/meters/redis-meter-store';
import { openStore } from '../store/open-store';
import { openReleaseStore } from '../store/release/release-store';
import type { MeterStore, Store } from '../store/store';
import { type DeliveryOptions, startDeliveryWorker } from '../webhooks/delivery-worker';
import type { SelfAddress } from '../webhooks/url-guard';
import { PLUGIN, sharedPlugin } from './define-plugin';

/** What the shared services are opened with (a part of `AppOptions`). */
export interface ContextOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Use this store instead of opening one (it is then not closed with the app). */
  store?: Store;
  refreshIntervalMs?: number;
  meterFailureMode?: 'allow' | 'deny';
  /** The hot path's evaluator (default fast); json-rules-engine runs the exported rules themselves. */
  evaluator?: EvaluatorMode;
  /** Share of live decisions checked again by json-rules-engine off the hot path (0..1, default 0). */
  shadowSample?: number;
  /** `redis://...`: count trial meters in Redis instead of the store. */
  meterUrl?: string;
  /** Use this meter store (it is then not closed with the app). */
  meterStore?: MeterStore;
  /** How often expired meter uses are pruned (ms, default one hour; 0: never). */
  meterPruneIntervalMs?: number;
  /** Header carrying a site key on OFREP requests (default x-claimflow-site-key; decisions and snapshot accept it too). */
  siteKeyHeader?: string;
  /** Release environments (default staging, production) and the one answering requests without a site key. */
  environments?: string[];
  defaultEnvironment?: string;
  /** The URL browsers reach the service at (for the single sign-on redirect URI); default: from the request. */
  publicUrl?: string;
  /** Webhook deliveries: attempt timeout, attempts, backoff, polling. */
  webhooks?: DeliveryOptions;
  /** Scheduled changes: polling, claim lease, lateness threshold. */
  schedules?: SchedulerOptions;
  /**
   * Compare every response with its declared schema and answer 500 naming any undeclared field (tests); otherwise
   * responses are serialized through their schema (undeclared fields dropped) except the warm decision routes.
   */
  checkResponses?: boolean;
}

export const claimflowContext = sharedPlugin<ContextOptions>(PLUGIN.context, async (app, options) => {
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }));
  const metrics = createMetrics();
  const runtime = new Runtime(store, app.log);
  runtime.verifierOptions = {
    onJwksFetch: (event) => {
      metrics.jwksFetches.inc({ result: event.result });
      if (event.result === 'success') metrics.jwksLastSuccess.set(event.at / 1000);
    },
  };
  await runtime.load();
  runtime.start(options.refreshIntervalMs ?? 5_000);
  const ownsMeters = options.meterStore === undefined && options.meterUrl !== undefined;
  const meters =
    options.meterStore ??
    (options.meterUrl ? await openRedisMeterStore({ url: options.meterUrl, requireConnection: false }) : undefined);
  const meterStats = (meters ?? store).meterBatchStats;
  if (meterStats) metrics.watchMeterBatches(() => meterStats());
  const stopPruning = scheduleMeterPruning({
    meters: store,
    everyMs: options.meterPruneIntervalMs ?? 3_600_000,
    onPruned: (rows) => metrics.metersPruned.inc(rows),
    onError: (err) => app.log.warn({ err }, 'pruning expired meter uses failed'),
  });
  const decideDeps: DecideDeps = {
    runtime,
    store,
    meters,
    metrics,
    meterFailureMode: options.meterFailureMode ?? 'deny',
    log: app.log,
    evaluator: createDecisionEvaluator(options.evaluator ?? 'fast'),
    shadow: createShadowChecker(options.shadowSample ?? 0, (r) => {
      metrics.shadowChecks.inc({ result: r.agreed ? 'agree' : 'disagree' });
      if (!r.agreed)
        app.log.warn(
          {
            feature: r.featureId,
            version: r.version,
            livePath: r.livePath,
            shadowPath: r.shadowPath,
            liveDecision: r.liveDecision,
            shadowDecision: r.shadowDecision,
          },
          'shadow check: json-rules-engine disagrees with the fast evaluator',
        );
    }),
    loadPreview: (featureId, against) => compiledFor(store, runtime, featureId, against),
  };
  // The release flow (webhooks, scheduled changes) keeps its tables in the same database, on its own connection.
  const release = openReleaseStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const self: SelfAddress = {
    listen: () => {
      const a = app.server.address();
      return a && typeof a === 'object' ? { address: a.address, port: a.port } : null;
    },
    publicUrl: options.publicUrl,
  };
  const deliveries = startDeliveryWorker(release, self, app.log, options.webhooks);
  const events = createEventEmitter(release, { log: app.log, wake: deliveries.wake });
  const environments = new Environments(
    options.environments ?? ['staging', 'production'],
    options.defaultEnvironment ?? 'production',
  );
  const ctx: AppContext = {
    store,
    runtime,
    metrics,
    environments,
    siteKeyHeader: (options.siteKeyHeader ?? SITE_KEY_HEADER).toLowerCase(),
    decideDeps,
    adminRoutes: [],
    events,
    schedules: release,
    checkResponses: options.checkResponses ?? false,
  };
  const scheduler = startScheduler({ ctx, release, events, log: app.log }, options.schedules);
  app.decorate('claimflow', ctx);
  app.decorate('releaseFlow', { release, events, self } satisfies ReleaseContext);

  app.addHook('onClose', async () => {
    runtime.stop();
    stopPruning();
    await scheduler.stop();
    await deliveries.stop();
    await release.close();
    if (ownsMeters) await meters?.close();
    if (ownsStore) await store.close();
  });
});

declare module 'fastify' {
  interface FastifyInstance {
    /** The services every route plugin shares (./context.ts); the admin key is not among them. */
    claimflow: AppContext;
    /** The release flow's store, webhook events and the service's own address (webhook and schedule routes). */
    releaseFlow: ReleaseContext;
  }
}
