/**
 * How the service's plugins are declared (fastify-plugin metadata): each has a name, and names the plugins and the
 * instance decorators it needs, so registering one without them fails at once with Fastify's error naming both
 * (FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED, FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE) instead of a TypeError at the
 * first request.
 *
 * - `sharedPlugin`: not encapsulated; what it decorates or hooks lands on the instance that registers it (the root:
 *   the context, the admin credentials, the contract, the error handler).
 * - `routePlugin`: an ordinary encapsulated plugin `(app, opts)`; its hooks stay inside it, so admin hooks cannot
 *   leak into `/v1`. It reads the services it needs from decorators (`app.claimflow`, `app.authorizePreview`, ...).
 *
 * @example
 * async function siteKeyRoutesPlugin(base: FastifyInstance): Promise<void> {
 *   const { store } = base.claimflow; // declared below: registering without the context fails at once
 *   base.get('/site-keys', ...);
 * }
 * export const siteKeyRoutes = routePlugin('claimflow-site-key-routes', siteKeyRoutesPlugin, NEEDS_CONTEXT);
 */
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';
import fp from 'fastify-plugin';

/** Plugin names, for `dependencies`. */
export const PLUGIN = {
  context: 'claimflow-context',
  adminAccess: 'claimflow-admin-access',
  contract: 'claimflow-contract',
  errorHandler: 'claimflow-error-handler',
  jsonBody: 'claimflow-json-body',
  routeTable: 'claimflow-route-table',
  siteCors: 'claimflow-site-cors',
} as const;

/** What a plugin needs registered before it: plugin names and decorators of the Fastify instance. */
export interface PluginNeeds {
  plugins?: readonly string[];
  decorators?: readonly string[];
}

/** Most route plugins need only the service context (`app.claimflow`). */
export const NEEDS_CONTEXT: PluginNeeds = { plugins: [PLUGIN.context], decorators: ['claimflow'] };

const metadata = (name: string, needs: PluginNeeds, encapsulate: boolean) => ({
  name,
  encapsulate,
  dependencies: [...(needs.plugins ?? [])],
  decorators: { fastify: [...(needs.decorators ?? [])] },
});

/** A plugin whose decorators and hooks apply to the instance registering it. */
export function sharedPlugin<Options extends FastifyPluginOptions = Record<never, never>>(
  name: string,
  fn: FastifyPluginAsync<Options>,
  needs: PluginNeeds = {},
): FastifyPluginAsync<Options> {
  return fp(fn, metadata(name, needs, false));
}

/** An encapsulated plugin of routes, with its needs declared. */
export function routePlugin<Options extends FastifyPluginOptions = Record<never, never>>(
  name: string,
  fn: FastifyPluginAsync<Options>,
  needs: PluginNeeds = NEEDS_CONTEXT,
): FastifyPluginAsync<Options> {
  return fp(fn, metadata(name, needs, true));
}
