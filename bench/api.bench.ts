/**
 * npm run bench:api — the service vs a bare Fastify, both as child processes on loopback, driven by autocannon from this
 * process. On a 2-core machine the load generator shares the CPU with the server, so besides requests per second and
 * latency each run reports what the server process itself spent: its CPU time (user + system, from /proc/<pid>/stat)
 * over a fixed number of requests, divided by that number. The bare Fastify receives the same headers and body and
 * answers a body of the same bytes as a Claimflow decision, so the ratio is the cost of deciding.
 *
 * Scenarios (50-path feature): warm HS256 (1 000 tokens already verified) interleaved with the bare baseline (medians
 * of BENCH_ROUNDS rounds), warm at 50 connections (p99), cold HS256 / RS256 / ES256 / EdDSA (a fresh token every
 * request), a batch of 5 features, the json-rules-engine evaluator mode, 1% shadow checks, and the resident memory
 * after 20 000 distinct tokens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { type Service, startService } from '../test/helpers/service';
import { cpuTimesMs, rssMiB } from './lib/cpu';
import { balancedFeature } from './lib/feature-graphs';
import { fmt, median } from './lib/stats';
import { hs256 as mint } from './lib/tokens';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const COLD_REQUESTS = Number(process.env.BENCH_COLD_REQUESTS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_ONLY=warm: only the bare baseline and the warm runs (for quick comparisons while changing the hot path). */
const ONLY_WARM = process.env.BENCH_ONLY === 'warm';
const FEATURES = ['bench', 'bench2', 'bench3', 'bench4', 'bench5'];
const graph = balancedFeature(50);

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function visitorClaims(i: number, extra: Record<string, unknown> = {}) {
  const claims: Record<string, unknown> = { sub: `visitor-${i}`, exp: Math.floor(Date.now() / 1000) + 3600, ...extra };
  for (let c = 0; c < graph.claimCount; c++) claims[`c${c}`] = (i >> (c % 10)) & 1 ? 'a' : 'b';
  return claims;
}
const hs256 = (i: number, extra?: Record<string, unknown>) => mint(visitorClaims(i, extra), SECRET);

async function admin(s: Service, method: string, path: string, body: unknown) {
  const res = await fetch(`${s.url}/admin/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-claimflow-admin-key': ADMIN_KEY },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

async function claimflow(key: unknown, algorithms: string[], env: Record<string, string> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-'));
  const service = await startService({
    CLAIMFLOW_DATA_DIR: dir,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'error',
    // measured as deployed: the response check of the tests (test/helpers/service.ts) stays off
    CLAIMFLOW_CHECK_RESPONSES: '0',
    ...env,
  });
  await admin(service, 'PUT', '/settings/jwt', { key, algorithms });
  for (const id of FEATURES) {
    await admin(service, 'POST', '/features', { id, name: id });
    await admin(service, 'PUT', `/features/${id}/draft`, { graph });
    await admin(service, 'POST', `/features/${id}/publish`, { note: 'bench' });
  }
  return {
    url: service.url,
    pid: service.process.pid as number,
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A baseline server as a child process: `bare-fastify.ts` (bare Fastify) or `stack-app.ts` (Claimflow's stack). */
function bare(body: string, script = 'bare-fastify.ts'): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BARE_BODY: body },
  });
  return new Promise((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening on (\S+)/.exec(d.toString());
      if (m)
        resolve({
          url: m[1],
          pid: child.pid as number,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill();
            }),
        });
    });
  });
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  /** User-mode part of cpuUs (the server's own code, without the kernel's socket work). */
  userUs: number;
  bad: number;
}

/** Sends exactly `amount` requests and measures the server's own CPU time over them. */
async function drive(
  name: string,
  server: Server,
  tokenFor: (i: number) => string | null,
  options: { amount?: number; connections?: number; body?: string; path?: string } = {},
): Promise<Row> {
  let n = 0;
  const amount = options.amount ?? REQUESTS;
  const body = options.body ?? JSON.stringify({ feature: 'bench' });
  const cpuBefore = cpuTimesMs(server.pid);
  const started = performance.now();
  const result = await autocannon({
    url: `${server.url}${options.path ?? '/v1/decisions'}`,
    connections: options.connections ?? CONNECTIONS,
    amount,
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
  const cpuAfter = cpuTimesMs(server.pid);
  const userMs = cpuAfter.user - cpuBefore.user;
  const cpuMs = userMs + cpuAfter.system - cpuBefore.system;
  const seconds = (performance.now() - started) / 1000;
  const done = result.requests.total || amount;
  return {
    name,
    rps: done / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: (cpuMs * 1000) / done,
    userUs: (userMs * 1000) / done,
    bad: result.errors + result.non2xx,
  };
}

const medianRow = (name: string, runs: Row[]): Row => ({
  name: `${name} (median of ${runs.length})`,
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  cpuUs: median(runs.map((r) => r.cpuUs)),
  userUs: median(runs.map((r) => r.userUs)),
  bad: runs.reduce((s, r) => s + r.bad, 0),
});

const rows: Row[] = [];
const notes: string[] = [];

// --- HS256: warm vs bare (interleaved), 50 connections, batch, cold, memory -----------------------------------------
const hs = await claimflow({ kind: 'secret', secret: SECRET }, ['HS256']);
const pool = Array.from({ length: 1000 }, (_, i) => hs256(i));
const sample = await fetch(`${hs.url}/v1/decisions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${pool[1]}` },
  body: JSON.stringify({ feature: 'bench' }),
}).then((r) => r.text());
const bareServer = await bare(sample);
const stackServer = await bare(sample, 'stack-app.ts');
notes.push(`decision body ${Buffer.byteLength(sample)} bytes; the bare Fastify answers the same bytes`);
notes.push(
  "Claimflow's stack: the service itself (every plugin and hook, the decision route's body schema and serializer) " +
    'answering a fixed decision from POST /v1/stack without reading the token or deciding (bench/lib/stack-app.ts)',
);
const STACK = { path: '/v1/stack' };
await drive('warm-up', hs, (i) => pool[i % pool.length], { amount: 10_000 });
await drive('warm-up', bareServer, (i) => pool[i % pool.length], { amount: 10_000 });
await drive('warm-up', stackServer, (i) => pool[i % pool.length], { amount: 10_000, ...STACK });
const bareRuns: Row[] = [];
const stackRuns: Row[] = [];
const warmRuns: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  bareRuns.push(await drive('bare', bareServer, (i) => pool[i % pool.length]));
  stackRuns.push(await drive('stack', stackServer, (i) => pool[i % pool.length], STACK));
  warmRuns.push(await drive('warm', hs, (i) => pool[i % pool.length]));
}
await bareServer.stop();
await stackServer.stop();
rows.push(medianRow('bare Fastify, same request and answer bytes', bareRuns));
rows.push(medianRow("Claimflow's stack, fixed answer, no decision", stackRuns));
rows.push(medianRow('HS256 warm (1 000 tokens verified)', warmRuns));
if (ONLY_WARM) {
  await hs.stop();
  report();
  process.exit(0);
}
rows.push(await drive('HS256 warm, 50 connections', hs, (i) => pool[i % pool.length], { connections: 50 }));
rows.push(
  await drive('HS256 warm, batch of 5 features', hs, (i) => pool[i % pool.length], {
    body: JSON.stringify({ features: FEATURES }),
  }),
);
const rssBefore = rssMiB(hs.pid);
const fresh = Array.from({ length: 20_000 }, (_, i) => hs256(i, { jti: `t${i}` }));
rows.push(
  await drive('HS256 cold (fresh token each request)', hs, (i) => fresh[i % fresh.length], { amount: fresh.length }),
);
notes.push(
  `RSS of the service: ${fmt(rssBefore, 0)} MiB warm, ${fmt(rssMiB(hs.pid), 0)} MiB after 20 000 distinct tokens`,
);
await hs.stop();

// --- asymmetric algorithms, cold ----------------------------------------------------------------------------------
for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
  const pair = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true });
  const server = await claimflow({ kind: 'spki', pem: await exportSPKI(pair.publicKey) }, [alg]);
  const tokens = await Promise.all(
    Array.from({ length: COLD_REQUESTS }, (_, i) =>
      new SignJWT(visitorClaims(i, { jti: `${alg}-${i}` })).setProtectedHeader({ alg }).sign(pair.privateKey),
    ),
  );
  await drive('warm-up', server, (i) => tokens[i % 200], { amount: 2_000 });
  rows.push(await drive(`${alg} cold (fresh token each request)`, server, (i) => tokens[i], { amount: tokens.length }));
  await server.stop();
}

// --- evaluator modes ------------------------------------------------------------------------------------------------
for (const [name, env] of [
  ['HS256 warm, CLAIMFLOW_EVALUATOR=json-rules-engine', { CLAIMFLOW_EVALUATOR: 'json-rules-engine' }],
  ['HS256 warm, CLAIMFLOW_SHADOW_SAMPLE=0.01', { CLAIMFLOW_SHADOW_SAMPLE: '0.01' }],
] as const) {
  const server = await claimflow({ kind: 'secret', secret: SECRET }, ['HS256'], env);
  await drive('warm-up', server, (i) => pool[i % pool.length], { amount: 5_000 });
  rows.push(await drive(name, server, (i) => pool[i % pool.length], { amount: 10_000 }));
  await server.stop();
}

report();

function report() {
  const base = rows[0];
  console.log(
    `\n${CONNECTIONS} connections unless named, ${fmt(REQUESTS)} requests a run (cold: one per token), 50-path feature, loopback;`,
  );
  console.log(
    'server CPU = user + system time of the server process over the run / requests; same machine as autocannon',
  );
  console.log(
    [
      'run'.padEnd(58),
      'req/s'.padStart(9),
      'p50 ms'.padStart(7),
      'p99 ms'.padStart(7),
      'CPU µs/req'.padStart(11),
      'CPU vs bare'.padStart(12),
      'user µs/req'.padStart(12),
      'user vs bare'.padStart(13),
      'bad'.padStart(5),
    ].join(' '),
  );
  for (const r of rows) {
    console.log(
      [
        r.name.padEnd(58),
        fmt(r.rps).padStart(9),
        fmt(r.p50, 1).padStart(7),
        fmt(r.p99, 1).padStart(7),
        fmt(r.cpuUs, 1).padStart(11),
        `${fmt(r.cpuUs / base.cpuUs, 2)}x`.padStart(12),
        fmt(r.userUs, 1).padStart(12),
        `${fmt(r.userUs / base.userUs, 2)}x`.padStart(13),
        String(r.bad).padStart(5),
      ].join(' '),
    );
  }
  for (const n of notes) console.log(`- ${n}`);
}
