/**
 * Replays cases against a compiled version with the fast evaluator (in-process, no I/O) and compares two versions
 * over the same inputs (impact analysis). Turning a case input into facts is the caller's job (`toFacts`), because
 * it needs the catalogue, the entitlement tree and, for tokens, verification.
 */
import type { CompiledFeature } from '../compile/compiled-feature';
import { prepareEvaluator } from '../evaluate/evaluate';
import type { Facts } from '../facts/facts';
import type { ReplayCase } from './suite-schema';

export interface CaseResult {
  name: string;
  pass: boolean;
  expected: ReplayCase['expect'];
  actual: { decision: string | null; path: string[]; userState: Facts['userState'] | null };
  /** What differs, in plain words (empty when the case passes). */
  mismatches: string[];
  /** Set when the input could not be turned into facts (e.g. a token that fails verification is NOT an error). */
  error?: string;
}

export interface SuiteRun {
  results: CaseResult[];
  passed: number;
  failed: number;
  /** `N passed, N failed` */
  summary: string;
}

export type CaseFacts = { ok: true; facts: Facts } | { ok: false; error: string };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Judges one case given the facts its input produced. */
export function judgeCase(compiled: CompiledFeature, c: ReplayCase, made: CaseFacts): CaseResult {
  if (!made.ok) {
    return {
      name: c.name,
      pass: false,
      expected: c.expect,
      actual: { decision: null, path: [], userState: null },
      mismatches: [made.error],
      error: made.error,
    };
  }
  const d = prepareEvaluator(compiled).evaluate(made.facts);
  const mismatches: string[] = [];
  if (d.decision !== c.expect.decision)
    mismatches.push(`decision: expected ${JSON.stringify(c.expect.decision)}, got ${JSON.stringify(d.decision)}`);
  if (c.expect.path && !sameList(c.expect.path, d.path))
    mismatches.push(`path: expected ${c.expect.path.join(' > ')}, got ${d.path.join(' > ')}`);
  if (c.expect.userState && c.expect.userState !== made.facts.userState)
    mismatches.push(`userState: expected ${c.expect.userState}, got ${made.facts.userState}`);
  return {
    name: c.name,
    pass: mismatches.length === 0,
    expected: c.expect,
    actual: { decision: d.decision, path: d.path, userState: made.facts.userState },
    mismatches,
  };
}

/**
 * Runs every case; `onProgress(done, total)` is called every `progressEvery` cases.
 * @example const run = runSuite(compiled, suite.cases, (c) => ({ ok: true, facts: factsFor(c) })); run.summary
 */
export function runSuite(
  compiled: CompiledFeature,
  cases: readonly ReplayCase[],
  toFacts: (c: ReplayCase) => CaseFacts,
  onProgress?: (done: number, total: number) => void,
  progressEvery = 1000,
): SuiteRun {
  const results: CaseResult[] = [];
  let passed = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i] as ReplayCase;
    const r = judgeCase(compiled, c, toFacts(c));
    if (r.pass) passed++;
    results.push(r);
    if (onProgress && ((i + 1) % progressEvery === 0 || i + 1 === cases.length)) onProgress(i + 1, cases.length);
  }
  const failed = results.length - passed;
  return { results, passed, failed, summary: `${passed} passed, ${failed} failed` };
}

export interface ImpactRow {
  name: string;
  from: string | null;
  to: string | null;
}

export interface Impact {
  total: number;
  changed: number;
  /** One row per (from, to) pair with its count, most frequent first. */
  transitions: Array<{ from: string | null; to: string | null; count: number }>;
  /** The inputs whose decision changes. */
  rows: ImpactRow[];
}

/**
 * Compares the decisions of two versions over the same inputs.
 * @example impact(published, draft, cases.map((c) => ({ name: c.name, facts: factsFor(c) })))
 */
export function impact(
  before: CompiledFeature,
  after: CompiledFeature,
  inputs: Iterable<{ name: string; facts: Facts }>,
): Impact {
  const a = prepareEvaluator(before);
  const b = prepareEvaluator(after);
  const rows: ImpactRow[] = [];
  const counts = new Map<string, { from: string | null; to: string | null; count: number }>();
  let total = 0;
  for (const input of inputs) {
    total++;
    const from = a.evaluate(input.facts).decision;
    const to = b.evaluate(input.facts).decision;
    if (from === to) continue;
    rows.push({ name: input.name, from, to });
    const key = JSON.stringify([from, to]);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { from, to, count: 1 });
  }
  const transitions = [...counts.values()].sort(
    (x, y) =>
      y.count - x.count || String(x.from).localeCompare(String(y.from)) || String(x.to).localeCompare(String(y.to)),
  );
  return { total, changed: rows.length, transitions, rows };
}
