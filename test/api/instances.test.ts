/**
 * Three real API processes on loopback sharing one real PostgreSQL: a version published through one instance serves
 * decisions on the others within a second, and one visitor's trial meter stays exact across all three.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/pg';
import { ROOT, type Service, startService } from '../helpers/service';
import { ADMIN_KEY, hs256, SECRET } from './helpers';

let db: { url: string; drop: () => Promise<void> };
let services: Service[] = [];

const call = async (s: Service, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'x-claimflow-admin-key': ADMIN_KEY,
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const metered = () => JSON.parse(readFileSync(join(ROOT, 'engine', 'examples', 'metered-trial.json'), 'utf8'));

beforeAll(async () => {
  db = await freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-instances-unused'),
    CLAIMFLOW_REFRESH_INTERVAL_MS: '2000',
  };
  services = await Promise.all([startService(env), startService(env), startService(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await db?.drop();
});

describe('three instances on one PostgreSQL', () => {
  it('serves a version published on one instance from the others within one second', async () => {
    const [a, b, c] = services;
    expect((await call(a, 'GET', '/readyz')).body).toMatchObject({ ready: true, store: 'postgres' });
    expect(
      (
        await call(a, 'PUT', '/admin/v1/settings/jwt', {
          key: { kind: 'secret', secret: SECRET },
          algorithms: ['HS256'],
        })
      ).status,
    ).toBe(200);
    expect((await call(a, 'POST', '/admin/v1/features', { id: 'metered', name: 'Metered' })).status).toBe(201);
    expect((await call(a, 'PUT', '/admin/v1/features/metered/draft', { graph: metered() })).status).toBe(200);
    const published = await call(a, 'POST', '/admin/v1/features/metered/publish', { note: 'v1' });
    expect(published.status).toBe(201);
    const t0 = Date.now();
    const waitFor = async (s: Service, version: number) => {
      for (;;) {
        const r = await call(s, 'POST', '/v1/decisions', { feature: 'metered', dryRun: true });
        if (r.status === 200 && r.body.version === version) return Date.now() - t0;
        if (Date.now() - t0 > 5000)
          throw new Error(`instance ${s.url} did not serve version ${version}: ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const lags = await Promise.all([waitFor(b, 1), waitFor(c, 1)]);
    for (const lag of lags) expect(lag).toBeLessThan(1000);

    // settings written through one instance are used by the others (periodic refresh)
    const token = await hs256({ sub: 'reader-1' });
    for (;;) {
      const r = await call(
        c,
        'POST',
        '/v1/decisions',
        { feature: 'metered', dryRun: true },
        { authorization: `Bearer ${token}` },
      );
      if ((r.body.token as { status: string }).status === 'valid') break;
      if (Date.now() - t0 > 6000) throw new Error('settings did not reach instance c');
      await new Promise((res) => setTimeout(res, 50));
    }

    // publish v2 through another instance
    const g = metered();
    g.nodes.find((n: { id: string }) => n.id === 'meter').data.allowance = 5;
    await call(b, 'PUT', '/admin/v1/features/metered/draft', { graph: g });
    expect((await call(b, 'POST', '/admin/v1/features/metered/publish', { note: 'v2' })).body.version).toBe(2);
    const t1 = Date.now();
    for (const s of [a, c]) {
      for (;;) {
        const r = await call(s, 'POST', '/v1/decisions', { feature: 'metered', dryRun: true });
        if (r.body.version === 2) break;
        if (Date.now() - t1 > 1000) throw new Error(`instance ${s.url} still serves ${r.body.version} after 1 s`);
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  }, 30_000);

  it("keeps one visitor's trial exact when all three instances count it concurrently", async () => {
    const token = await hs256({ sub: 'reader-concurrent' });
    const requests = Array.from({ length: 60 }, (_, i) =>
      call(
        services[i % 3],
        'POST',
        '/v1/decisions',
        { feature: 'metered', context: { contentId: `article-${i}` } },
        { authorization: `Bearer ${token}` },
      ),
    );
    const results = await Promise.all(requests);
    const allowed = results.filter((r) => (r.body.payload as { metered?: boolean } | null)?.metered === true);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(allowed).toHaveLength(5); // allowance of version 2
  }, 30_000);
});
