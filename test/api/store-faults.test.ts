/**
 * Store faults with the real PostgreSQL and the real service as a child process: the database dropped, the server
 * unreachable (a TCP relay in front of the real server, closed and reopened), and the service's connections killed
 * with pg_terminate_backend under load. Decisions keep flowing from memory, admin routes answer 503
 * CF_STORE_UNAVAILABLE (never 500), nothing is half-written, and the pool reconnects by itself.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_URL, freshDatabase } from '../helpers/pg';
import { type Service, startService } from '../helpers/service';
import { zephrGraph } from './helpers';

const ADMIN_KEY = 'faults-admin-key-0123456789abcdef';
const SECRET = 'a-faults-test-secret-of-at-least-32-bytes';
const admin = { 'x-claimflow-admin-key': ADMIN_KEY, 'content-type': 'application/json' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A TCP relay to the real PostgreSQL server that can be cut (every connection dropped, port closed) and restored. */
async function relay(): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const target = new URL(BASE_URL);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = tcpConnect(Number(target.port || 5432), target.hostname);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  await open();
  return {
    port,
    async cut() {
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => (s ? s.close(() => r()) : r()));
    },
    restore: open,
  };
}

async function start(databaseUrl: string): Promise<Service> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-faults-'));
  const service = await startService({
    DATABASE_URL: databaseUrl,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    CLAIMFLOW_DATA_DIR: dataDir,
    CLAIMFLOW_REFRESH_INTERVAL_MS: '300',
    LOG_LEVEL: 'fatal',
  });
  cleanups.push(async () => {
    await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  return service;
}

/** An answer of the service: an error body, or any JSON object. */
type Reply = { error?: { code?: string; message?: string }; version?: number } & Record<string, unknown>;

async function http(service: Service, method: string, path: string, body?: unknown) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: admin,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Reply) : null };
}

async function setup(service: Service) {
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await http(service, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await ok('PUT', '/admin/v1/settings/jwt', {
    key: { kind: 'secret', secret: SECRET },
    algorithms: ['HS256'],
    productsClaim: 'prodsub',
  });
  await ok('PUT', '/admin/v1/entitlements/premium', { name: 'Premium' });
  await ok('PUT', '/admin/v1/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  await ok('POST', '/admin/v1/features', { id: 'article', name: 'Article', customerEntitlements: ['premium'] });
  await ok('PUT', '/admin/v1/features/article/draft', { graph: zephrGraph() });
  await ok('POST', '/admin/v1/features/article/publish', { note: 'v1' });
}

const goldToken = () =>
  new SignJWT({ sub: 'reader', prodsub: 'gold' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

async function decide(service: Service, token: string) {
  const res = await fetch(`${service.url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ feature: 'article' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('store faults with the real PostgreSQL', () => {
  it('database dropped: decisions flow from memory, admin routes answer 503 CF_STORE_UNAVAILABLE, never 500', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const service = await start(db.url);
    await setup(service);
    const token = await goldToken();

    await db.drop();
    for (const [method, path, body] of [
      ['GET', '/admin/v1/features', undefined],
      ['GET', '/admin/v1/features/article', undefined],
      ['PUT', '/admin/v1/entitlements/sports', { name: 'Sports' }],
      ['POST', '/admin/v1/features/article/publish', {}],
    ] as const) {
      const r = await http(service, method, path, body);
      expect({ path, status: r.status, code: r.body?.error?.code }).toEqual({
        path,
        status: 503,
        code: 'CF_STORE_UNAVAILABLE',
      });
    }
    for (let i = 0; i < 20; i++)
      expect(await decide(service, token)).toMatchObject({ status: 200, body: { decision: 'fullArticle' } });

    // The database comes back empty: still 503 (the schema is made at start, not under a running service), and the
    // versions in memory are kept rather than replaced by the empty catalogue.
    await sql(BASE_URL, `CREATE DATABASE ${new URL(db.url).pathname.slice(1)}`);
    await sleep(1000); // several refresh intervals
    const empty = await http(service, 'GET', '/admin/v1/features');
    expect(empty).toMatchObject({ status: 503, body: { error: { code: 'CF_STORE_UNAVAILABLE' } } });
    expect(empty.body?.error?.message).toMatch(/does not exist/);
    expect(await decide(service, token)).toMatchObject({ status: 200, body: { decision: 'fullArticle' } });
  }, 60_000);

  it('server unreachable: 503 while it is away, and the admin routes recover by themselves', async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const tcp = await relay();
    cleanups.push(tcp.cut);
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(tcp.port);
    const service = await start(url.toString());
    await setup(service);
    const token = await goldToken();

    await tcp.cut();
    const away = await http(service, 'PATCH', '/admin/v1/features/article', { name: 'Renamed while away' });
    expect(away).toMatchObject({ status: 503, body: { error: { code: 'CF_STORE_UNAVAILABLE' } } });
    expect((await http(service, 'GET', '/admin/v1/features')).status).toBe(503);
    for (let i = 0; i < 20; i++)
      expect(await decide(service, token)).toMatchObject({ status: 200, body: { decision: 'fullArticle' } });

    await tcp.restore();
    const back = await waitFor('admin routes to recover', async () => {
      const r = await http(service, 'GET', '/admin/v1/features/article');
      return r.status === 200 ? r.body : undefined;
    });
    expect(back).toMatchObject({ name: 'Article', publishedVersion: 1 });
    expect((await http(service, 'PATCH', '/admin/v1/features/article', { name: 'Renamed' })).status).toBe(200);
    // Writes work again end to end: a publish after the recovery is served.
    expect((await http(service, 'POST', '/admin/v1/features/article/publish', {})).status).toBe(201);
    expect(await decide(service, token)).toMatchObject({ status: 200, body: { version: 2 } });
  }, 90_000);

  it("pg_terminate_backend of the service's connections under load: decisions flow, writes fail with 503 only, nothing half-written, the pool reconnects", async () => {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    const service = await start(db.url);
    await setup(service);
    const token = await goldToken();
    const dbName = new URL(db.url).pathname.slice(1);

    let running = true;
    const decisions: number[] = [];
    const writes: Array<{ what: string; path: string; status: number; code?: string }> = [];
    const decider = async () => {
      while (running) {
        const r = await decide(service, token);
        decisions.push(r.status);
        if (r.status !== 200 || r.body.decision !== 'fullArticle') throw new Error(JSON.stringify(r));
      }
    };
    let n = 0;
    const writer = async () => {
      while (running) {
        n++;
        const calls: Array<[string, string, string, unknown]> = [
          ['publish', 'POST', '/admin/v1/features/article/publish', { note: `storm ${n}` }],
          [
            'suite',
            'PUT',
            `/admin/v1/features/article/suites/s${n % 5}`,
            {
              name: `suite ${n}`,
              cases: [
                { name: 'gold', input: { claims: { sub: 'g', prodsub: 'gold' } }, expect: { decision: 'fullArticle' } },
              ],
            },
          ],
          ['patch', 'PATCH', '/admin/v1/features/article', { name: `Article ${n}` }],
          [
            'product',
            'PUT',
            `/admin/v1/products/p${n % 7}`,
            { name: `P ${n}`, claimValues: [], entitlementIds: ['premium'] },
          ],
        ];
        for (const [what, method, path, body] of calls) {
          const r = await http(service, method, path, body);
          writes.push({ what, path, status: r.status, code: r.body?.error?.code });
        }
      }
    };
    const killed: number[] = [];
    const killer = async () => {
      while (running) {
        const rows = await sql<{ n: string }>(
          BASE_URL,
          'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        );
        killed.push(Number(rows[0]?.n ?? 0));
        await sleep(40 + Math.random() * 60);
      }
    };
    const load = [decider(), decider(), decider(), writer(), writer(), killer()];
    await sleep(4000);
    running = false;
    await Promise.all(load);

    const seen = JSON.stringify({ killed, decisions: decisions.length, writes });
    expect(
      killed.reduce((a, b) => a + b, 0),
      seen,
    ).toBeGreaterThan(10);
    expect(decisions.length, seen).toBeGreaterThan(20);
    expect(decisions.every((s) => s === 200)).toBe(true);
    const failed = writes.filter((w) => w.status >= 300);
    expect(failed.length, seen).toBeGreaterThan(0); // the storm did hit writes
    for (const w of failed) expect(w).toMatchObject({ status: 503, code: 'CF_STORE_UNAVAILABLE' });
    expect(writes.some((w) => w.status < 300)).toBe(true);

    // The pool reconnects by itself: the next writes succeed.
    const after = await waitFor('a write to succeed', async () => {
      const r = await http(service, 'POST', '/admin/v1/features/article/publish', { note: 'after the storm' });
      return r.status === 201 ? r.body : undefined;
    });

    // Nothing half-written: every version has its change row, the pointer is the newest version, and it is served.
    const versions = await sql<{ version: number }>(db.url, 'SELECT version FROM versions ORDER BY version');
    const changes = await sql<{ version: number }>(db.url, 'SELECT version FROM changes ORDER BY seq');
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    expect(changes.map((c) => c.version)).toEqual(versions.map((v) => v.version));
    const [feature] = await sql<{ published_version: number }>(db.url, 'SELECT published_version FROM features');
    expect(feature.published_version).toBe(versions.length);
    expect(after?.version).toBe(versions.length);
    const publishedOk = writes.filter((w) => w.what === 'publish' && w.status === 201).length;
    expect(versions.length).toBeGreaterThanOrEqual(publishedOk + 2); // v1, every acknowledged publish, the last one
    // Nothing acknowledged is lost: every suite and product whose write answered 2xx is there, whole.
    for (const path of new Set(writes.filter((w) => w.status < 300 && w.what === 'suite').map((w) => w.path))) {
      const r = await http(service, 'GET', path);
      expect(r.status, path).toBe(200);
      expect(r.body?.name).toMatch(/^suite \d+$/);
      expect(r.body?.cases).toHaveLength(1);
    }
    for (const path of new Set(writes.filter((w) => w.status < 300 && w.what === 'product').map((w) => w.path))) {
      const [p] = await sql<{ name: string; entitlement_ids: string[] }>(
        db.url,
        'SELECT * FROM products WHERE id = $1',
        [path.split('/').pop()],
      );
      expect(p, path).toMatchObject({ name: expect.stringMatching(/^P \d+$/), entitlement_ids: ['premium'] });
    }
    await waitFor('the newest version to be served', async () => {
      const r = await decide(service, token);
      return r.body.version === versions.length ? r : undefined;
    });
  }, 90_000);
});
