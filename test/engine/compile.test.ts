import { Engine, type RuleProperties } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import {
  ClaimflowError,
  CompiledFeatureSchema,
  compileGraph,
  evaluate,
  registerClaimflowOperators,
} from '../../engine';
import { facts, loadJson } from './helpers';

const EXAMPLES = ['zephr-tutorial', 'split-test', 'metered-trial', 'switch-plans', 'stacked-conditions'];

describe('compileGraph', () => {
  for (const name of EXAMPLES) {
    it(`compiles ${name} to the golden output, byte for byte`, async () => {
      const graph = loadJson(`engine/examples/${name}.json`);
      const compiled = compileGraph(graph);
      expect(CompiledFeatureSchema.safeParse(compiled).success).toBe(true);
      const text = `${JSON.stringify(compiled, null, 2)}\n`;
      await expect(text).toMatchFileSnapshot(`../fixtures/compiled/${name}.json`);
      expect(JSON.stringify(compileGraph(graph))).toBe(JSON.stringify(compiled));
      // edge order in the input does not change the output
      const shuffled = graph as { edges: unknown[]; nodes: unknown[] };
      const reversed = { nodes: [...shuffled.nodes].reverse(), edges: [...shuffled.edges].reverse() };
      expect(JSON.stringify(compileGraph(reversed))).toBe(JSON.stringify(compiled));
    });
  }

  it('emits one rule per start-to-outcome path with descending priorities', () => {
    const compiled = compileGraph(loadJson('engine/examples/zephr-tutorial.json'));
    expect(compiled.rules.map((r) => r.event.params.decision)).toEqual([
      'registrationWall',
      'regionalOffer',
      'paywall',
      'fullArticle',
      'paywall',
    ]);
    expect(compiled.rules.map((r) => r.priority)).toEqual([5, 4, 3, 2, 1]);
    expect(compiled.rules[1].event.params.path).toEqual(['start', 'state', 'alabama', 'offer']);
  });

  it('runs on a stock json-rules-engine with only the shipped operators registered', async () => {
    const compiled = compileGraph(loadJson('engine/examples/zephr-tutorial.json'));
    const engine = new Engine(compiled.rules as unknown as RuleProperties[], compiled.engine.options);
    registerClaimflowOperators(engine);
    const { events } = await engine.run(facts({ userState: 'registered', claims: { state: 'Alabama' } }));
    expect(events.map((e) => e.params?.decision)).toEqual(['regionalOffer']);
  });

  it('runs switch and conditions graphs on stock json-rules-engine with the same decisions as the fast evaluator', async () => {
    const cases: [string, Parameters<typeof facts>[0], string][] = [
      ['switch-plans', { claims: { org: { plan: 'platinum' } } }, 'fullArticle'],
      ['switch-plans', { claims: { org: { plan: ['x', 'silver'] } } }, 'teaser'],
      ['switch-plans', { claims: {} }, 'registrationWall'],
      ['switch-plans', { claims: { org: { plan: 'free' } } }, 'paywall'],
      ['stacked-conditions', { claims: { state: 'Alabama', age: 18 }, request: { device: 'tablet' } }, 'regionalOffer'],
      [
        'stacked-conditions',
        { claims: { state: 'Alabama', age: 17 }, request: { query: { utm_source: 'n' } } },
        'freeTrial',
      ],
      ['stacked-conditions', { claims: { 'https://example.com/roles': ['tester'] } }, 'freeTrial'],
      ['stacked-conditions', { claims: { state: 'Texas', age: 40 }, request: { device: 'mobile' } }, 'paywall'],
    ];
    for (const [name, input, decision] of cases) {
      const compiled = compileGraph(loadJson(`engine/examples/${name}.json`));
      const engine = new Engine(compiled.rules as unknown as RuleProperties[], compiled.engine.options);
      registerClaimflowOperators(engine);
      const { events } = await engine.run(facts({ userState: 'registered', ...input }));
      expect([name, events[0]?.params?.decision]).toEqual([name, decision]);
      expect([name, evaluate(compiled, facts({ userState: 'registered', ...input })).decision]).toEqual([
        name,
        decision,
      ]);
    }
  });

  it('throws CF_GRAPH_NOT_VALID with every problem attached', () => {
    try {
      compileGraph(loadJson('test/fixtures/graphs/error-cycle.json'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ClaimflowError);
      const e = error as ClaimflowError;
      expect(e.code).toBe('CF_GRAPH_NOT_VALID');
      expect((e.details as { code: string }[]).map((p) => p.code)).toContain('CF_GRAPH_CYCLE');
    }
  });

  it('compiles drafts with unconnected branches in draft mode only', () => {
    const graph = {
      nodes: [
        { id: 's', type: 'start', position: { x: 0, y: 0 }, data: {} },
        { id: 'u', type: 'userState', position: { x: 0, y: 0 }, data: {} },
        { id: 'o', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'wall' } },
      ],
      edges: [
        { id: 'e1', source: 's', target: 'u' },
        { id: 'e2', source: 'u', target: 'o', sourceHandle: 'anonymous' },
      ],
    };
    expect(() => compileGraph(graph)).toThrow(ClaimflowError);
    const compiled = compileGraph(graph, { mode: 'draft' });
    expect(compiled.rules).toHaveLength(1);
    expect(compiled.nodes.find((n) => n.id === 'u')?.next).toEqual({
      anonymous: 'o',
      registered: null,
      customer: null,
    });
  });
});
