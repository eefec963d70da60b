/**
 * The table of the service's routes, filled by an `onRoute` hook as routes are registered. It answers
 * 405 `CF_METHOD_NOT_ALLOWED` (with `Allow`) when a path exists under other methods, and lets tests enumerate every
 * route from the app itself instead of a hand-kept list.
 */
import type { FastifyInstance } from 'fastify';
import FindMyWay from 'find-my-way';
import { PLUGIN, sharedPlugin } from './define-plugin';

export interface RouteEntry {
  method: string;
  url: string;
}

export interface RouteTable {
  readonly routes: readonly RouteEntry[];
  /** The methods under which `path` (no query string) has a route, sorted; empty when it has none. */
  allowedMethods(path: string): string[];
}

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;

/** Starts recording the routes registered on `app` from now on (call before registering them). */
export function installRouteTable(app: FastifyInstance): RouteTable {
  const routes: RouteEntry[] = [];
  const router = FindMyWay();
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (method === 'OPTIONS' || method === 'HEAD') continue;
      const key = `${method} ${route.url}`;
      if (seen.has(key)) continue;
      seen.add(key);
      routes.push({ method, url: route.url });
      router.on(method as 'GET', route.url, () => {});
      if (method === 'GET') router.on('HEAD', route.url, () => {});
    }
  });
  return {
    routes,
    allowedMethods: (path) => METHODS.filter((m) => router.find(m, path) !== null),
  };
}

/** Records every route registered after it, as `app.routeTable` (register it before any route). */
export const routeTable = sharedPlugin(PLUGIN.routeTable, async (app) => {
  app.decorate('routeTable', installRouteTable(app));
});

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the service, as registered (for 405 answers and route-enumerating tests). */
    routeTable: RouteTable;
  }
}
