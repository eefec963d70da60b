/**
 * npm run bench:scale — unmetered and metered decisions per second and service CPU per decision, in one run, for:
 * one and three instances on one PostgreSQL, one instance on embedded SQLite, and one instance (PostgreSQL store)
 * counting meters in Redis (CLAIMFLOW_METER_URL). A metered decision passes a trial node and counts a use (group
 * committed with the concurrent ones). Load: autocannon from this process, a fixed number of requests split over
 * the instances; CPU is user+system time of the service processes (/proc/<pid>/stat) over those requests.
 * Note: everything (instances, databases, load generator) shares this machine's cores, so the figures show the cost
 * of metering and coordination, not the capacity of separate machines; compare the ratios, measured in the same run.
 * Env: BENCH_CONNECTIONS (48), BENCH_REQUESTS (per measured run, 20 000), BENCH_ROUNDS (2: median of rounds),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379), BENCH_ONLY (comma list of setups: pg1,pg3,sqlite,redis).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { freshDatabase } from '../test/helpers/pg';
import { ROOT, type Service, startService } from '../test/helpers/service';
import { fmt, median } from './lib/stats';
import { hs256 as mint } from './lib/tokens';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 48);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ONLY = (process.env.BENCH_ONLY ?? 'pg1,pg3,sqlite,redis').split(',');
const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

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

async function setup(s: Service) {
  await admin(s, 'PUT', '/settings/jwt', { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
  await admin(s, 'PUT', '/entitlements/premium', { name: 'Premium' });
  await admin(s, 'PUT', '/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  for (const [id, graph] of [
    ['plain', example('zephr-tutorial')],
    ['metered', metered],
  ] as const) {
    await admin(s, 'POST', '/features', { id, name: id });
    await admin(s, 'PUT', `/features/${id}/draft`, { graph });
    await admin(s, 'POST', `/features/${id}/publish`, { note: 'bench' });
  }
}

/** The PostgreSQL backends serving the database of the current setup (their CPU is the database's share). */
let database: string | null = null;
async function backendPids(): Promise<number[]> {
  if (!database) return [];
  const c = new pg.Client({ connectionString: database });
  await c.connect();
  try {
    const rows = (
      await c.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
    ).rows;
    return rows.map((r) => Number(r.pid));
  } finally {
    await c.end();
  }
}

/** user+system CPU of a process so far, in µs (0 once it is gone). */
function cpuUs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // #14 utime, #15 stime
}

interface Run {
  rps: number;
  p99: number;
  cpuPerDecisionUs: number;
  dbCpuPerDecisionUs: number;
  non2xx: number;
}

async function drive(services: Service[], feature: string, total: number): Promise<Run> {
  let n = 0;
  const body = JSON.stringify({ feature, context: { contentId: 'a-1' } });
  const each = Math.max(1, Math.floor(CONNECTIONS / services.length));
  const amount = Math.floor(total / services.length);
  const pids = services.map((s) => s.process.pid as number);
  const cpuBefore = pids.map(cpuUs);
  const backends = await backendPids();
  const dbBefore = new Map(backends.map((p) => [p, cpuUs(p)]));
  const started = performance.now();
  const results = await Promise.all(
    services.map((s) =>
      autocannon({
        url: `${s.url}/v1/decisions`,
        connections: each,
        amount,
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
  const seconds = (performance.now() - started) / 1000;
  const cpu = pids.map(cpuUs).reduce((sum, after, i) => sum + after - cpuBefore[i], 0);
  const done = results.reduce((sum, r) => sum + r.requests.total, 0);
  // Backends present before and after the run (pooled connections live through it).
  let db = 0;
  for (const [p, before] of dbBefore) {
    const after = cpuUs(p);
    if (after >= before) db += after - before;
  }
  return {
    dbCpuPerDecisionUs: db / done,
    rps: done / seconds,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    cpuPerDecisionUs: cpu / done,
    non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

/** Interleaves unmetered and metered runs and keeps the median of each figure. */
async function measure(services: Service[]) {
  await drive(services, 'plain', Math.min(REQUESTS, 5000)); // warm-up: token cache, JIT, pools
  await drive(services, 'metered', Math.min(REQUESTS, 5000));
  const plain: Run[] = [];
  const meteredRuns: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    plain.push(await drive(services, 'plain', REQUESTS));
    meteredRuns.push(await drive(services, 'metered', REQUESTS));
  }
  const med = (runs: Run[], k: keyof Run) => median(runs.map((x) => x[k]));
  let batches = 0;
  let uses = 0;
  for (const s of services) {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    batches += Number(/^claimflow_meter_batches (\d+)/m.exec(text)?.[1] ?? 0);
    uses += Number(/^claimflow_meter_batched_uses (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return {
    plain: { rps: med(plain, 'rps'), p99: med(plain, 'p99'), cpu: med(plain, 'cpuPerDecisionUs') },
    metered: {
      rps: med(meteredRuns, 'rps'),
      p99: med(meteredRuns, 'p99'),
      cpu: med(meteredRuns, 'cpuPerDecisionUs'),
      db: med(meteredRuns, 'dbCpuPerDecisionUs'),
    },
    failures: [...plain, ...meteredRuns].reduce((n, x) => n + x.non2xx, 0),
    batch: batches > 0 ? uses / batches : null,
  };
}

const rows: string[][] = [];
const report = (label: string, m: Awaited<ReturnType<typeof measure>>) =>
  rows.push([
    label,
    fmt(m.plain.rps),
    fmt(m.plain.cpu),
    fmt(m.metered.rps),
    fmt(m.metered.cpu),
    database ? fmt(m.metered.db) : '-',
    fmt(m.metered.p99, 0),
    `${fmt((m.metered.rps / m.plain.rps) * 100, 0)}%`,
    m.batch === null ? '-' : fmt(m.batch, 1),
    String(m.failures),
  ]);

async function withServices(count: number, env: Record<string, string>, fn: (s: Service[]) => Promise<void>) {
  const services: Service[] = [];
  try {
    for (let i = 0; i < count; i++)
      services.push(
        await startService({
          LOG_LEVEL: 'error',
          // measured as deployed: the response check of the tests (test/helpers/service.ts) stays off
          CLAIMFLOW_CHECK_RESPONSES: '0',
          ...env,
        }),
      );
    await fn(services);
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }
}

const unusedDir = mkdtempSync(join(tmpdir(), 'cf-scale-'));
const base = { CLAIMFLOW_ADMIN_KEY: ADMIN_KEY, CLAIMFLOW_DATA_DIR: unusedDir };
try {
  if (ONLY.includes('pg1') || ONLY.includes('pg3')) {
    const db = await freshDatabase();
    try {
      const env = { ...base, DATABASE_URL: db.url };
      database = db.url;
      let ready = false;
      for (const count of [1, 3]) {
        if (!ONLY.includes(`pg${count}`)) continue;
        await withServices(count, env, async (services) => {
          if (!ready) await setup(services[0]);
          ready = true;
          await new Promise((r) => setTimeout(r, 1500)); // the others hear the publishes
          report(`PostgreSQL x${count}`, await measure(services));
        });
      }
    } finally {
      await db.drop();
    }
  }
  if (ONLY.includes('sqlite')) {
    database = null;
    const dir = mkdtempSync(join(tmpdir(), 'cf-scale-sqlite-'));
    try {
      await withServices(1, { ...base, CLAIMFLOW_DATA_DIR: dir }, async (services) => {
        await setup(services[0]);
        report('SQLite x1', await measure(services));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (ONLY.includes('redis')) {
    const db = await freshDatabase();
    try {
      // A fresh tracker name per run keeps earlier runs' keys out of the counts (they expire with their window).
      metered.nodes.find((n: { id: string }) => n.id === 'meter').data.tracker =
        `bench-${randomBytes(4).toString('hex')}`;
      database = null; // meters in Redis: the database only serves the catalogue
      await withServices(1, { ...base, DATABASE_URL: db.url, CLAIMFLOW_METER_URL: REDIS_URL }, async (services) => {
        await setup(services[0]);
        report('Redis meters x1', await measure(services));
      });
    } finally {
      await db.drop();
    }
  }
} finally {
  rmSync(unusedDir, { recursive: true, force: true });
}
console.log(
  `\n${CONNECTIONS} connections split over the instances, ${fmt(REQUESTS)} requests per run, median of ${ROUNDS} interleaved rounds, ${availableParallelism()} cores shared by everything (instances, databases, load generator)`,
);
const head = [
  'setup',
  'unmetered/s',
  'CPU µs/dec',
  'metered/s',
  'CPU µs/dec',
  'PG CPU µs/dec',
  'metered p99 ms',
  'metered/unmetered',
  'uses per commit',
  'non-2xx',
];
console.log(head.map((h, i) => (i === 0 ? h.padEnd(18) : h.padStart(18))).join(''));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(18) : c.padStart(18))).join(''));
