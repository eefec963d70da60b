/**
 * Three real API processes sharing one PostgreSQL (catalogue, versions) and counting trial meters in the real Redis
 * (CLAIMFLOW_METER_URL): one visitor's meter stays exact when all three count it at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/pg';
import { ROOT, type Service, startService } from '../helpers/service';
import { ADMIN_KEY, hs256, SECRET } from './helpers';

const REDIS_URL = process.env.CLAIMFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tracker = `three-${randomBytes(4).toString('hex')}`;
let db: { url: string; drop: () => Promise<void> };
let services: Service[] = [];

const call = async (s: Service, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-claimflow-admin-key': ADMIN_KEY, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  db = await freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    CLAIMFLOW_METER_URL: REDIS_URL,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-redis-instances-unused'),
  };
  services = await Promise.all([startService(env), startService(env), startService(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await db?.drop();
  const r = new Redis(REDIS_URL);
  const keys = await r.keys(`claimflow:meter:${tracker.length}:${tracker}:*`);
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
});

it("keeps one visitor's trial exact when three instances count it in Redis concurrently", async () => {
  const [a] = services;
  const graph = JSON.parse(readFileSync(join(ROOT, 'engine', 'examples', 'metered-trial.json'), 'utf8'));
  Object.assign(graph.nodes.find((n: { id: string }) => n.id === 'meter').data, { allowance: 5, tracker });
  await call(a, 'PUT', '/admin/v1/settings/jwt', { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
  await call(a, 'POST', '/admin/v1/features', { id: 'metered', name: 'Metered' });
  await call(a, 'PUT', '/admin/v1/features/metered/draft', { graph });
  expect((await call(a, 'POST', '/admin/v1/features/metered/publish', {})).status).toBe(201);
  const token = await hs256({ sub: 'redis-three' });
  // Every instance serves the version and the settings before the race starts.
  for (const s of services)
    for (let waited = 0; ; waited += 50) {
      const r = await call(
        s,
        'POST',
        '/v1/decisions',
        { feature: 'metered', dryRun: true },
        { authorization: `Bearer ${token}` },
      );
      if (r.status === 200 && (r.body.token as { status: string }).status === 'valid') break;
      if (waited > 10_000) throw new Error(`instance ${s.url} is not ready: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  const results = await Promise.all(
    Array.from({ length: 90 }, (_, i) =>
      call(
        services[i % 3],
        'POST',
        '/v1/decisions',
        { feature: 'metered', context: { contentId: `article-${i}` } },
        { authorization: `Bearer ${token}` },
      ),
    ),
  );
  expect(results.every((r) => r.status === 200)).toBe(true);
  const allowed = results.filter((r) => (r.body.payload as { metered?: boolean } | null)?.metered === true);
  expect(allowed).toHaveLength(5);
  expect(results.filter((r) => r.body.decision === 'paywall')).toHaveLength(85);
  // Counted in Redis, not in the database.
  const r = new Redis(REDIS_URL);
  try {
    const keys = await r.keys(`claimflow:meter:${tracker.length}:${tracker}:*`);
    expect(keys).toHaveLength(1);
    expect(await r.zcard(keys[0])).toBe(5);
  } finally {
    await r.quit();
  }
}, 60_000);
