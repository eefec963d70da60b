/**
 * What the route plugins share, as `app.claimflow` (decorated by api/plugins/context.ts): the store, the runtime,
 * metrics and the decision dependencies. It holds no credential: the admin key stays with api/plugins/admin-access.ts.
 */
import type { DecideDeps } from './decisions/decide';
import type { Metrics } from './decisions/metrics';
import type { EventEmitter } from './events/emitter';
import type { Environments } from './release/environments';
import type { Runtime } from './runtime/runtime';
import type { ReleaseStore } from './store/release/release-store';
import type { Store } from './store/store';

export interface AppContext {
  store: Store;
  runtime: Runtime;
  metrics: Metrics;
  /** The release environments and their approval settings. */
  environments: Environments;
  /** The header a site key travels in (lower case; default x-claimflow-site-key). */
  siteKeyHeader: string;
  decideDeps: DecideDeps;
  /** Every admin route with the role it declares (filled as the admin plugin registers them). */
  adminRoutes: Array<{ method: string; url: string; role: string | null; public: boolean }>;
  /** Announces release events (publish, promotion, rollback, schedules, change requests) to webhooks. */
  events: EventEmitter;
  /** Scheduled changes: an approved change request with a go-live time ahead is applied by one (issue 14). */
  schedules?: Pick<ReleaseStore, 'createSchedule' | 'getSchedule' | 'cancelSchedule'>;
  /** Responses are compared with their schemas (tests): see `api/plugins/contract.ts`. */
  checkResponses: boolean;
}
