/**
 * Snapshot endpoints for the local-evaluation SDK (`sdk/`): `GET /v1/snapshot` (ETag / If-None-Match -> 304) and
 * `GET /v1/snapshot/stream`, server-sent events: `hello` with the current ETag on connect, `change` with the new
 * ETag whenever a publish, the catalogue or the JWT settings change what the snapshot holds, and a comment line
 * every 15 s to keep proxies from closing the stream. Like decisions, the site key (header or `siteKey` query
 * parameter) picks the environment whose versions the snapshot holds; none: the default environment.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { snapshotRoutesContract } from '../../contract/snapshot';
import { routePlugin } from '../../plugins/define-plugin';
import { siteAccess } from '../../release/site-access';
import { snapshotSource } from './build-snapshot';

const CHECK_MS = 200;
const HEARTBEAT_MS = 15_000;

async function snapshotRoutesPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.claimflow;

  const sources = new Map<string, ReturnType<typeof snapshotSource>>();
  const sourceOf = (environment: string | undefined) => {
    const name = environment ?? '';
    let s = sources.get(name);
    if (!s) sources.set(name, (s = snapshotSource(ctx.runtime, environment)));
    return s;
  };
  /** Open streams and the environment each follows. */
  const streams = new Map<ServerResponse, string | undefined>();
  const etags = new Map<string, string>();
  let timer: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  /** Pushes `change` to every stream whose environment's snapshot ETag moved. */
  const check = async () => {
    if (streams.size === 0) return;
    try {
      for (const environment of new Set(streams.values())) {
        const snapshot = await sourceOf(environment).current();
        const name = environment ?? '';
        if (snapshot.etag === etags.get(name)) continue;
        etags.set(name, snapshot.etag);
        for (const [res, env] of streams) if ((env ?? '') === name) send(res, 'change', { etag: snapshot.etag });
      }
    } catch (error) {
      app.log.warn({ err: error }, 'snapshot check failed');
    }
  };

  const unsubscribe = ctx.store.onChange((event) => {
    if (streams.size === 0) return;
    // the runtime reloads on the same event; reloading here too makes sure the check sees the new version
    void ctx.runtime
      .reloadFeature(event.featureId)
      .then(check)
      .catch((error) => app.log.warn({ err: error }, 'snapshot reload failed'));
  });

  const startWatching = () => {
    if (timer) return;
    timer = setInterval(() => void check(), CHECK_MS);
    heartbeat = setInterval(() => {
      for (const res of streams.keys()) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    timer.unref();
    heartbeat.unref();
  };
  const stopWatching = () => {
    if (timer) clearInterval(timer);
    if (heartbeat) clearInterval(heartbeat);
    timer = heartbeat = null;
  };

  app.addHook('preClose', async () => {
    unsubscribe();
    stopWatching();
    for (const res of streams.keys()) res.end();
    streams.clear();
  });

  app.get('/snapshot', { schema: snapshotRoutesContract.snapshot }, async (request, reply) => {
    const snapshot = await sourceOf(siteAccess(ctx, request).environment).current();
    const tag = `"${snapshot.etag}"`;
    reply.header('etag', tag).header('cache-control', 'private, no-cache');
    const inm = request.headers['if-none-match'];
    if (inm?.split(',').some((t) => t.trim().replace(/^W\//, '') === tag || t.trim() === '*'))
      return reply.status(304).send();
    return snapshot;
  });

  app.get('/snapshot/stream', { schema: snapshotRoutesContract.stream }, async (request, reply) => {
    const { environment } = siteAccess(ctx, request);
    const snapshot = await sourceOf(environment).current();
    if (![...streams.values()].some((e) => e === environment)) etags.set(environment ?? '', snapshot.etag);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    send(res, 'hello', { etag: snapshot.etag });
    streams.set(res, environment);
    startWatching();
    request.raw.on('close', () => {
      streams.delete(res);
      if (streams.size === 0) stopWatching();
    });
  });
}

/** The snapshot and its change stream. */
export const snapshotRoutes = routePlugin('claimflow-snapshot-routes', snapshotRoutesPlugin);
