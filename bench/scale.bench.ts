/**
 * npm run bench:scale — decisions per second for 1, 2 and 3 service instances on this machine sharing one
 * PostgreSQL, for a feature without and with a trial meter on the path (a metered decision counts a use in
 * PostgreSQL under an advisory lock). Load: autocannon from this process, connections split over the instances.
 * Note: everything (instances, PostgreSQL, load generator) shares this machine's cores, so the figures show the
 * cost of metering and the coordination overhead, not the capacity of separate machines.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freshDatabase } from '../test/helpers/pg';
import { ROOT, type Service, startService } from '../test/helpers/service';
import { fmt } from './lib/stats';
import { hs256 as mint } from './lib/tokens';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 48);
const DURATION = Number(process.env.BENCH_DURATION ?? 6);

const token = (sub: string) => mint({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET);
const pool = Array.from({ length: 5000 }, (_, i) => token(`reader-${i}`));

const example = (name: string) => JSON.parse(readFileSync(join(ROOT, 'engine', 'examples', `${name}.json`), 'utf8'));
const metered = example('metered-trial');
metered.nodes.find((n: { id: string }) => n.id === 'meter').data.allowance = 1_000_000;
metered.nodes.find((n: { id: string }) => n.id === 'meter').data.counting = 'pageViews';

async function admin(s: Service, method: string, path: string, body: unknown) {
  const res = await fetch(`${s.url}/admin/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-claimflow-admin-key': ADMIN_KEY },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

async function drive(services: Service[], feature: string): Promise<{ rps: number; p99: number }> {
  let n = 0;
  const body = JSON.stringify({ feature, context: { contentId: 'a-1' } });
  const each = Math.max(1, Math.floor(CONNECTIONS / services.length));
  const results = await Promise.all(
    services.map((s) =>
      autocannon({
        url: `${s.url}/v1/decisions`,
        connections: each,
        duration: DURATION,
        requests: [
          {
            method: 'POST',
            setupRequest: (req: autocannon.Request) => ({
              ...req,
              body,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${pool[n++ % pool.length]}` },
            }),
          },
        ],
      }),
    ),
  );
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
  };
}

const db = await freshDatabase();
const env = {
  DATABASE_URL: db.url,
  CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
  CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-scale-unused'),
  LOG_LEVEL: 'error',
};
const services: Service[] = [];
const rows: string[][] = [];
try {
  services.push(await startService(env));
  await admin(services[0], 'PUT', '/settings/jwt', { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
  await admin(services[0], 'PUT', '/entitlements/premium', { name: 'Premium' });
  await admin(services[0], 'PUT', '/products/gold', {
    name: 'Gold',
    claimValues: ['gold'],
    entitlementIds: ['premium'],
  });
  for (const [id, graph] of [
    ['plain', example('zephr-tutorial')],
    ['metered', metered],
  ] as const) {
    await admin(services[0], 'POST', '/features', { id, name: id });
    await admin(services[0], 'PUT', `/features/${id}/draft`, { graph });
    await admin(services[0], 'POST', `/features/${id}/publish`, { note: 'bench' });
  }
  for (const count of [1, 2, 3]) {
    while (services.length < count) services.push(await startService(env));
    await drive(services, 'plain'); // warm-up: token cache, JIT
    const plain = await drive(services, 'plain');
    const meteredRun = await drive(services, 'metered');
    rows.push([
      String(count),
      fmt(plain.rps),
      fmt(plain.p99, 0),
      fmt(meteredRun.rps),
      fmt(meteredRun.p99, 0),
      `${fmt(plain.rps / meteredRun.rps, 2)}x`,
    ]);
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await db.drop();
}
console.log(
  `\n${CONNECTIONS} connections split over the instances, ${DURATION} s per run, one PostgreSQL, ${availableParallelism()} cores shared by everything`,
);
const head = ['instances', 'unmetered req/s', 'p99 ms', 'metered req/s', 'p99 ms', 'metering cost'];
console.log(head.map((h) => h.padStart(17)).join(''));
for (const r of rows) console.log(r.map((c) => c.padStart(17)).join(''));
