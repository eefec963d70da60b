/**
 * npm run bench:replay — replays 100 000 claims cases of the Zephr tutorial feature in-process (claims -> facts ->
 * fast evaluator -> compare with the expected decision) and prints cases per second (median of 5 runs), with the
 * same cases replayed on stock json-rules-engine as the baseline measured in the same run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGraph, decisionFacts, indexCatalogue, type ReplayCase, runSuite, visitorFromClaims } from '../engine';
import { createReferenceEvaluator } from '../engine/rules-engine';
import { fmt, median } from './lib/stats';

const graph = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'engine', 'examples', 'zephr-tutorial.json'), 'utf8'),
);
const compiled = compileGraph(graph);
const index = indexCatalogue(
  [{ id: 'gold', claimValues: ['gold'], entitlementIds: ['premium'] }],
  [{ id: 'premium', parentId: null }],
);
const settings = { productsClaim: 'prodsub', foreignUserIdProperty: 'sub' };
const states = ['Alabama', 'Ohio', 'Texas', undefined];

const cases: ReplayCase[] = [];
for (let i = 0; i < 100_000; i++) {
  const kind = i % 4;
  const claims: Record<string, unknown> | undefined =
    kind === 0 ? undefined : { sub: `user-${i}`, state: states[i % 4], prodsub: kind === 3 ? 'gold' : undefined };
  const expected =
    kind === 0
      ? 'registrationWall'
      : kind === 3
        ? 'fullArticle'
        : states[i % 4] === 'Alabama'
          ? 'regionalOffer'
          : 'paywall';
  cases.push({
    name: `case-${i}`,
    input: claims ? { claims, now: '2026-11-24T12:00:00Z' } : {},
    expect: { decision: expected },
  });
}

const toFacts = (c: ReplayCase) => {
  const visitor = visitorFromClaims(c.input.claims ?? null, settings, index);
  return {
    ok: true as const,
    facts: decisionFacts({
      visitor,
      customerEntitlements: ['premium'],
      request: c.input.context ?? {},
      tokenStatus: c.input.claims ? 'valid' : 'missing',
      now: c.input.now ? Date.parse(c.input.now) : Date.now(),
    }),
  };
};

const rates: number[] = [];
let summary = '';
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  const run = runSuite(compiled, cases, toFacts);
  const ms = performance.now() - t;
  summary = run.summary;
  rates.push((cases.length / ms) * 1000);
}

const reference = createReferenceEvaluator(compiled);
const sample = cases.slice(0, 5_000);
const t = performance.now();
let refPassed = 0;
for (const c of sample) {
  const made = toFacts(c);
  if ((await reference.evaluate(made.facts)).decision === c.expect.decision) refPassed++;
}
const refRate = (sample.length / (performance.now() - t)) * 1000;

console.log(`replay of ${fmt(cases.length)} cases (fast evaluator, offline, in-process): ${summary}`);
console.log(
  `  median ${fmt(median(rates))} cases/s over 5 runs (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))})`,
);
console.log(
  `baseline: stock json-rules-engine on the compiled rules, ${fmt(sample.length)} cases: ${fmt(refRate)} cases/s (${refPassed} passed)`,
);
console.log(`ratio: ${fmt(median(rates) / refRate, 1)}x`);
