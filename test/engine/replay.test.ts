import { describe, expect, it } from 'vitest';
import { compileGraph, impact, parseSuite, type ReplayCase, runSuite } from '../../engine';
import { facts, loadJson } from './helpers';

const graph = loadJson('engine/examples/zephr-tutorial.json') as {
  nodes: { id: string; data: Record<string, unknown> }[];
};
const v1 = compileGraph(graph);
// v2: Alabama no longer gets the regional offer but the paywall; customers without gold get the registration wall
const changed = structuredClone(graph) as typeof graph & { edges: { id: string; target: string }[] };
for (const e of changed.edges) {
  if (e.id === 'e-al-yes') e.target = 'paywall';
  if (e.id === 'e-gold-no') e.target = 'regwall';
}
changed.nodes = changed.nodes.filter((n) => n.id !== 'offer');
const v2 = compileGraph(changed);

const cases: ReplayCase[] = [
  { name: 'anonymous', input: {}, expect: { decision: 'registrationWall' } },
  { name: 'registered', input: { claims: { sub: 'u' } }, expect: { decision: 'paywall', userState: 'registered' } },
  {
    name: 'alabama',
    input: { claims: { sub: 'u', state: 'Alabama' } },
    expect: { decision: 'regionalOffer', path: ['start', 'state', 'alabama', 'offer'] },
  },
  { name: 'gold', input: { claims: { sub: 'u', prodsub: 'gold' } }, expect: { decision: 'fullArticle' } },
  { name: 'silver customer', input: { claims: { sub: 'u', prodsub: 'silver' } }, expect: { decision: 'paywall' } },
];

/** A tiny claims -> facts mapping for the test (the API's full mapping is tested in the API suites). */
function toFacts(c: ReplayCase) {
  const claims = c.input.claims ?? {};
  const products = claims.prodsub ? [String(claims.prodsub)] : [];
  return {
    ok: true as const,
    facts: facts({
      userState: !claims.sub ? 'anonymous' : products.length ? 'customer' : 'registered',
      claims,
      products,
    }),
  };
}

describe('runSuite', () => {
  it('passes every case against the version it was written for', () => {
    const run = runSuite(v1, cases, toFacts);
    expect(run.summary).toBe('5 passed, 0 failed');
  });

  it('fails the cases a changed version breaks, saying what differs', () => {
    const run = runSuite(v2, cases, toFacts);
    expect(run.summary).toBe('3 passed, 2 failed');
    const failed = run.results.filter((r) => !r.pass);
    expect(failed.map((r) => r.name)).toEqual(['alabama', 'silver customer']);
    expect(failed[0].mismatches).toEqual([
      'decision: expected "regionalOffer", got "paywall"',
      'path: expected start > state > alabama > offer, got start > state > alabama > paywall',
    ]);
    expect(failed[1].actual.decision).toBe('registrationWall');
  });

  it('reports progress and input errors as failed cases', () => {
    const seen: number[] = [];
    const run = runSuite(
      v1,
      cases,
      () => ({ ok: false, error: 'token: CF_TOKEN_EXPIRED' }),
      (done) => seen.push(done),
      2,
    );
    expect(seen).toEqual([2, 4, 5]);
    expect(run.failed).toBe(5);
    expect(run.results[0].error).toBe('token: CF_TOKEN_EXPIRED');
  });
});

describe('impact', () => {
  it('lists exactly the inputs whose decision changes, with counts per transition', () => {
    const inputs = [
      ...cases.map((c) => ({ name: c.name, facts: toFacts(c).facts })),
      { name: 'alabama 2', facts: toFacts(cases[2]).facts },
      { name: 'bronze', facts: facts({ userState: 'customer', claims: { sub: 'x' }, products: ['bronze'] }) },
      { name: 'ohio', facts: facts({ userState: 'registered', claims: { sub: 'y', state: 'Ohio' } }) },
    ];
    expect(impact(v1, v2, inputs)).toEqual({
      total: 8,
      changed: 4,
      transitions: [
        { from: 'paywall', to: 'registrationWall', count: 2 },
        { from: 'regionalOffer', to: 'paywall', count: 2 },
      ],
      rows: [
        { name: 'alabama', from: 'regionalOffer', to: 'paywall' },
        { name: 'silver customer', from: 'paywall', to: 'registrationWall' },
        { name: 'alabama 2', from: 'regionalOffer', to: 'paywall' },
        { name: 'bronze', from: 'paywall', to: 'registrationWall' },
      ],
    });
  });
});

describe('parseSuite', () => {
  it('accepts a valid suite file', () => {
    const parsed = parseSuite({ name: 'zephr', feature: 'article', cases });
    expect(parsed.ok).toBe(true);
  });

  it('names the case and the field of every problem', () => {
    const parsed = parseSuite({
      name: 'bad',
      cases: [
        { name: 'ok', input: {}, expect: { decision: 'x' } },
        { name: 'typo', input: { claimz: {} }, expect: { decision: 'x' } },
        { name: 'when', input: { now: 'yesterday' }, expect: { decision: 'x' } },
        { input: {}, expect: {} },
      ],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const messages = parsed.problems.map((p) => p.message);
    expect(new Set(parsed.problems.map((p) => p.code))).toEqual(new Set(['CF_SUITE_INVALID']));
    expect(parsed.problems.find((p) => p.caseIndex === 1)).toMatchObject({ caseName: 'typo', severity: 'error' });
    expect(messages.some((m) => m.startsWith('case 1 "typo": cases.1.input'))).toBe(true);
    expect(parsed.problems.find((p) => p.caseIndex === 2)?.field).toBe('cases.2.input.now');
    expect(parsed.problems.filter((p) => p.caseIndex === 3).map((p) => p.field)).toEqual(
      expect.arrayContaining(['cases.3.name', 'cases.3.expect.decision']),
    );
  });

  it('refuses duplicate case names', () => {
    const parsed = parseSuite({ name: 's', cases: [cases[0], cases[0]] });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.field)).toEqual(['cases.1.name']);
  });
});
