/**
 * npm run bench:sdk — the local-evaluation SDK against the HTTP decision, in the same run:
 * 1. local decisions per second on one core (this process, one thread) for a 50-path feature, tokens from a pool of
 *    1 000 HS256 visitors (verified-token cache warm), next to the bare engine evaluating prepared facts;
 * 2. the service's `POST /v1/decisions` with the same pool, driven by autocannon (the service is a child process);
 * 3. the time from a publish (admin API call started) to the SDK serving the new version, over the change stream
 *    with polling off, repeated; median and worst.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  compileGraph,
  decisionFacts,
  type Facts,
  indexCatalogue,
  prepareEvaluator,
  requestFacts,
  visitorFromClaims,
} from '../engine';
import { createClaimflowClient } from '../sdk/src';
import { type Service, startService } from '../test/helpers/service';
import { balancedFeature } from './lib/feature-graphs';
import { fmt, median, opsPerSecond } from './lib/stats';
import { hs256 } from './lib/tokens';

const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 10);
const graph = balancedFeature(50);

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
  return res.json();
}

const dir = mkdtempSync(join(tmpdir(), 'cf-bench-sdk-'));
// measured as deployed: the response check of the tests (test/helpers/service.ts) stays off
const service = await startService({
  CLAIMFLOW_DATA_DIR: dir,
  CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
  LOG_LEVEL: 'error',
  CLAIMFLOW_CHECK_RESPONSES: '0',
});
await admin(service, 'PUT', '/settings/jwt', { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] });
await admin(service, 'POST', '/features', { id: 'bench', name: 'Bench' });
await admin(service, 'PUT', '/features/bench/draft', { graph });
await admin(service, 'POST', '/features/bench/publish', { note: 'bench' });

const client = createClaimflowClient({ url: service.url, secret: SECRET, pollIntervalMs: 0 });
await client.ready();
const pool = Array.from({ length: 1000 }, (_, i) => hs256(visitorClaims(i), SECRET));
for (const token of pool) await client.decide('bench', { token });

// 1. local decisions on one core, and the bare engine on prepared facts as the in-process ceiling
const evaluator = prepareEvaluator(compileGraph(graph as never));
// the same visitors as the token pool, so both walk the same paths
const identity = { productsClaim: 'prodsub', foreignUserIdProperty: 'sub' };
const catalogue = indexCatalogue([], []);
const facts: Facts[] = Array.from({ length: 1000 }, (_, i) =>
  decisionFacts({
    visitor: visitorFromClaims(visitorClaims(i), identity, catalogue),
    customerEntitlements: [],
    request: requestFacts({}),
    tokenStatus: 'valid',
    now: Date.now(),
  }),
);
// interleaved rounds, so machine noise hits both alike
const engineRuns: number[] = [];
const localRuns: number[] = [];
for (let round = 0; round < 7; round++) {
  engineRuns.push(await opsPerSecond((i) => evaluator.evaluate(facts[i % facts.length]), 1));
  localRuns.push(await opsPerSecond((i) => client.decide('bench', { token: pool[i % pool.length] }), 1));
}
const engineRate = median(engineRuns);
const localRate = median(localRuns);

// 2. the HTTP decision with the same tokens
let n = 0;
const body = JSON.stringify({ feature: 'bench' });
const http = await autocannon({
  url: `${service.url}/v1/decisions`,
  connections: CONNECTIONS,
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
});

// 3. publish -> the SDK serves the new version (change stream, polling off)
const delays: number[] = [];
for (let k = 0; k < PUBLISHES; k++) {
  const before = client.version('bench') as number;
  const served = new Promise<number>((resolve) => {
    const off = client.onChange(() => {
      if (client.version('bench') === before + 1) {
        off();
        resolve(performance.now());
      }
    });
  });
  // a new version: rename one outcome
  const next = structuredClone(graph) as { nodes: { id: string; data: Record<string, unknown> }[] };
  const anon = next.nodes.find((x) => x.id === 'anon');
  if (anon) anon.data = { decision: `registrationWall-${k}` };
  await admin(service, 'PUT', '/features/bench/draft', { graph: next });
  const start = performance.now();
  await admin(service, 'POST', '/features/bench/publish', { note: `bench ${k}` });
  delays.push((await served) - start);
}

client.close();
await service.stop();
rmSync(dir, { recursive: true, force: true });

const httpRate = http.requests.average;
console.log('\n50-path feature, HS256 tokens from a 1 000-visitor pool (verified-token cache warm); one machine');
console.log(['run'.padEnd(68), 'decisions/s'.padStart(12), 'vs HTTP'.padStart(9)].join(' '));
const row = (name: string, rate: number) =>
  console.log([name.padEnd(68), fmt(rate).padStart(12), `${fmt(rate / httpRate, 1)}x`.padStart(9)].join(' '));
row(`HTTP POST /v1/decisions (autocannon, ${CONNECTIONS} conn., ${DURATION} s)`, httpRate);
row('SDK client.decide, in-process, one core (goal > 500 000)', localRate);
row('bare engine evaluate on the same visitors, facts prepared (ceiling)', engineRate);
console.log(`SDK / bare engine: ${fmt((localRate / engineRate) * 100)}% (medians of 7 interleaved rounds)`);
console.log(
  `\npublish -> SDK serving it (change stream, polling off), ${delays.length} publishes: median ${fmt(median(delays), 1)} ms, worst ${fmt(Math.max(...delays), 1)} ms (goal < 1 000 ms)`,
);
process.exit(0);
