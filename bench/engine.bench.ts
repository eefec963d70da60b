/**
 * npm run bench:engine — evaluations per second and microseconds per decision for features of 5, 50 and 200 paths:
 * stock json-rules-engine on the compiled rules (reference evaluator, stops at first match) vs the fast evaluator,
 * measured in the same run, and their ratio. Also the compile time of a ~500-node graph. Figures are medians.
 */
import { compileGraph, prepareEvaluator } from '../engine';
import { createReferenceEvaluator } from '../engine/rules-engine';
import { balancedFeature, visitors } from './lib/feature-graphs';
import { fmt, median, opsPerSecond } from './lib/stats';

const rows: string[][] = [];
for (const paths of [5, 50, 200]) {
  const graph = balancedFeature(paths);
  const compiled = compileGraph(graph);
  if (compiled.rules.length !== paths) throw new Error(`expected ${paths} paths, got ${compiled.rules.length}`);
  const pool = visitors(1000, graph.claimCount);
  const fast = prepareEvaluator(compiled);
  const reference = createReferenceEvaluator(compiled);
  for (const f of pool.slice(0, 50)) {
    const a = fast.evaluate(f).decision;
    const b = (await reference.evaluate(f)).decision;
    if (a !== b) throw new Error(`evaluators disagree: ${a} vs ${b}`);
  }
  let sink = 0;
  const fastRate = await opsPerSecond(
    (i) => {
      sink += fast.evaluate(pool[i % pool.length]).path.length;
    },
    7,
    300,
  );
  const jreRate = await opsPerSecond((i) => reference.evaluate(pool[i % pool.length]), 5, 400);
  if (sink < 0) console.log(sink);
  rows.push([
    String(paths),
    fmt(jreRate),
    fmt(1e6 / jreRate, 1),
    fmt(fastRate),
    fmt(1e6 / fastRate, 3),
    `${fmt(fastRate / jreRate, 0)}x`,
  ]);
}

const header = ['paths', 'json-rules-engine eval/s', 'µs/decision', 'fast eval/s', 'µs/decision', 'fast / JRE'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join('  ');
console.log('Decisions on one core (median of repeated timed rounds)');
console.log(line(header));
for (const r of rows) console.log(line(r));

const big = balancedFeature(251);
const times: number[] = [];
for (let i = 0; i < 25; i++) {
  const t = performance.now();
  compileGraph(big);
  times.push(performance.now() - t);
}
console.log(
  `\ncompile: ${big.nodes.length} nodes, ${big.edges.length} edges -> median ${fmt(median(times), 2)} ms (25 runs)`,
);
