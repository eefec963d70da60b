/** What the route plugins are given: the store, the runtime, metrics and the decision dependencies. */
import type { DecideDeps } from './decisions/decide';
import type { Metrics } from './decisions/metrics';
import type { Runtime } from './runtime/runtime';
import type { Store } from './store/store';

export interface AppContext {
  store: Store;
  runtime: Runtime;
  metrics: Metrics;
  adminKey: string;
  decideDeps: DecideDeps;
  /** Every admin route with the role it declares (filled as the admin plugin registers them). */
  adminRoutes: Array<{ method: string; url: string; role: string | null; public: boolean }>;
  /** Responses are compared with their schemas (tests): see `api/plugins/contract.ts`. */
  checkResponses: boolean;
}
