/**
 * npm run bench:api — the service vs a bare Fastify hello-world, both as child processes on loopback, driven by
 * autocannon from this process with the same connections and duration. Decisions on a 50-path feature:
 * HS256 tokens from a pool of 1 000 visitors (verified-token cache warm), a fresh HS256 token per request (cold),
 * and RS256 from a pool (warm). Prints req/s, p50/p99 latency and the ratio to bare Fastify.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { type Service, startService } from '../test/helpers/service';
import { balancedFeature } from './lib/feature-graphs';
import { fmt } from './lib/stats';
import { hs256 as mint } from './lib/tokens';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const graph = balancedFeature(50);

const hs256 = (claims: Record<string, unknown>) => mint(claims, SECRET);
function visitorClaims(i: number) {
  const claims: Record<string, unknown> = { sub: `visitor-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 };
  for (let c = 0; c < graph.claimCount; c++) claims[`c${c}`] = (i >> (c % 10)) & 1 ? 'a' : 'b';
  return claims;
}

async function admin(s: Service, method: string, path: string, body: unknown) {
  const res = await fetch(`${s.url}/admin/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-claimflow-admin-key': ADMIN_KEY },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

async function claimflow(key: unknown, algorithms: string[]): Promise<{ service: Service; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-'));
  const service = await startService({ CLAIMFLOW_DATA_DIR: dir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'error' });
  await admin(service, 'PUT', '/settings/jwt', { key, algorithms });
  await admin(service, 'POST', '/features', { id: 'bench', name: 'Bench' });
  await admin(service, 'PUT', '/features/bench/draft', { graph });
  await admin(service, 'POST', '/features/bench/publish', { note: 'bench' });
  return { service, dir };
}

function bare(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'bare-fastify.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening on (\S+)/.exec(d.toString());
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
  });
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function drive(
  name: string,
  url: string,
  tokenFor: (i: number) => string | null,
  duration = DURATION,
): Promise<Row> {
  let n = 0;
  const body = JSON.stringify({ feature: 'bench' });
  const result = await autocannon({
    url: `${url}/v1/decisions`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: autocannon.Request) => {
          const token = tokenFor(n++);
          return {
            ...req,
            body,
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          };
        },
      },
    ],
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const medianRow = (name: string, runs: Row[]): Row => ({
  name: `${name} (median of ${runs.length})`,
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  errors: runs.reduce((s, r) => s + r.errors, 0),
  non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
});

const rows: Row[] = [];
const bareServer = await bare();
const hs = await claimflow({ kind: 'secret', secret: SECRET }, ['HS256']);
const pool = Array.from({ length: 1000 }, (_, i) => hs256(visitorClaims(i)));
await drive('warm-up', hs.service.url, (i) => pool[i % pool.length], 3);
await drive('warm-up', bareServer.url, () => null, 2);
// Interleave the baseline and the warm runs so machine noise hits both alike.
const bareRuns: Row[] = [];
const warmRuns: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  bareRuns.push(await drive('bare', bareServer.url, () => null));
  warmRuns.push(await drive('warm', hs.service.url, (i) => pool[i % pool.length]));
}
bareServer.stop();
rows.push(medianRow('bare Fastify hello-world', bareRuns));
rows.push(medianRow('claimflow HS256, 1 000-visitor pool (warm)', warmRuns));
const fresh = Array.from({ length: 150_000 }, (_, i) => hs256({ ...visitorClaims(i), jti: `t${i}` }));
rows.push(
  await drive('claimflow HS256, fresh token each request (cold)', hs.service.url, (i) => fresh[i % fresh.length]),
);
await hs.service.stop();
rmSync(hs.dir, { recursive: true, force: true });

const rsa = await generateKeyPair('RS256');
const rs = await claimflow({ kind: 'spki', pem: await exportSPKI(rsa.publicKey) }, ['RS256']);
const rsPool = await Promise.all(
  Array.from({ length: 1000 }, (_, i) =>
    new SignJWT(visitorClaims(i)).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey),
  ),
);
await drive('warm-up', rs.service.url, (i) => rsPool[i % rsPool.length], 3);
rows.push(await drive('claimflow RS256, 1 000-visitor pool (warm)', rs.service.url, (i) => rsPool[i % rsPool.length]));
await rs.service.stop();
rmSync(rs.dir, { recursive: true, force: true });

const baseline = rows[0].rps;
console.log(
  `\n${CONNECTIONS} connections, ${DURATION} s each, 50-path feature, loopback, server and load generator on one machine`,
);
console.log(
  [
    'run'.padEnd(50),
    'req/s'.padStart(10),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'vs bare'.padStart(9),
    'errors'.padStart(7),
  ].join(' '),
);
for (const r of rows) {
  console.log(
    [
      r.name.padEnd(62),
      fmt(r.rps).padStart(10),
      fmt(r.p50, 1).padStart(8),
      fmt(r.p99, 1).padStart(8),
      `${fmt((r.rps / baseline) * 100, 0)}%`.padStart(9),
      String(r.errors + r.non2xx).padStart(7),
    ].join(' '),
  );
}
