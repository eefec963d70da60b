/**
 * Differential property test: for random valid graphs and random facts (missing claims, arrays, type mismatches,
 * nulls, nested objects), the fast evaluator and stock json-rules-engine on the compiled rules give the same
 * decision and path. 2 000 graphs x 5 fact sets = 10 000 cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGraph,
  ENTRY_KIND,
  evaluate,
  type Facts,
  NODE_KINDS,
  type NodeKind,
  nodeDefinition,
} from '../../engine';
import { NODE_ARBITRARIES, nodeArbitrary } from '../../engine/nodes/arbitraries';
import { primitive, VOCABULARY } from '../../engine/nodes/lib/arbitraries';
import { createReferenceEvaluator } from '../../engine/rules-engine';

const claimValue = fc.oneof(
  primitive,
  fc.array(primitive, { maxLength: 3 }),
  fc.constant(null),
  fc.record({ plan: primitive }),
  fc.array(fc.array(primitive, { maxLength: 2 }), { maxLength: 2 }),
);

/**
 * The kinds drawn as inner nodes: every registered kind but the entry (placed once at the top) and the terminal ones
 * (drawn as the graph's outcomes). Each kind's data comes from its own generator (engine/nodes/<kind>/arbitrary.ts,
 * registered in engine/nodes/arbitraries.ts, typed by NodeKind): a kind without one fails the type check.
 */
const INNER_KINDS = NODE_KINDS.filter((kind) => kind !== ENTRY_KIND && !nodeDefinition(kind).terminal);
const TERMINAL_KINDS = NODE_KINDS.filter((kind) => nodeDefinition(kind).terminal);
const drawnSeen = new Set<string>();

const nodeSpec = (kinds: readonly NodeKind[]) =>
  fc.oneof(...kinds.map((type) => nodeArbitrary(type).map((data) => ({ type, data }))));

/** Branch names come from the kind's own definition (parsed data), never from a list kept here. */
function branchesOf(type: NodeKind, data: unknown): readonly string[] {
  const definition = nodeDefinition(type);
  return definition.branches(definition.dataSchema.parse(data));
}

/** A random DAG: inner node i branches only to later inner nodes or to outcomes, so it is acyclic. */
const graphArb = fc
  .tuple(
    fc.array(nodeSpec(INNER_KINDS), { minLength: 1, maxLength: 8 }),
    fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    nodeArbitrary(ENTRY_KIND),
    fc.array(nodeSpec(TERMINAL_KINDS), { minLength: 3, maxLength: 3 }),
  )
  .map(([specs, choices, entryData, ends]) => {
    const outcomes = ends.map((_, i) => `o${i + 1}`);
    const nodes: { id: string; type: string; position: { x: number; y: number }; data: unknown }[] = [
      { id: 'start', type: ENTRY_KIND, position: { x: 0, y: 0 }, data: entryData },
      ...specs.map((s, i) => ({ id: `n${i}`, type: s.type, position: { x: 0, y: i }, data: s.data })),
      ...ends.map((s, i) => ({ id: `o${i + 1}`, type: s.type, position: { x: 0, y: 99 }, data: s.data })),
    ];
    const edges: { id: string; source: string; target: string; sourceHandle: string | null }[] = [
      { id: 'e-start', source: 'start', target: 'n0', sourceHandle: null },
    ];
    let c = 0;
    specs.forEach((s, i) => {
      drawnSeen.add(s.type);
      for (const branch of branchesOf(s.type, s.data)) {
        const pick = choices[c++ % choices.length];
        const later = specs.length - i - 1;
        const target = later > 0 && pick % 3 !== 0 ? `n${i + 1 + (pick % later)}` : outcomes[pick % outcomes.length];
        edges.push({ id: `e${edges.length}`, source: `n${i}`, target, sourceHandle: branch });
      }
    });
    // keep only what start reaches (unreachable nodes are validation errors)
    const reach = new Set(['start']);
    for (const e of edges) if (reach.has(e.source)) reach.add(e.target);
    return {
      nodes: nodes.filter((n) => reach.has(n.id)),
      edges: edges.filter((e) => reach.has(e.source)),
    };
  });

const factsArb: fc.Arbitrary<Facts> = fc.record({
  userState: fc.constantFrom('anonymous', 'registered', 'customer'),
  products: fc.subarray([...VOCABULARY.products]),
  entitlements: fc.constant([]),
  claims: fc.dictionary(fc.constantFrom('state', 'age', 'roles', 'org', 'https://x.com/tier'), claimValue, {
    maxKeys: 5,
  }),
  request: fc.record(
    {
      device: fc.constantFrom('mobile', 'desktop', 'x'),
      country: fc.constantFrom('US', 'DE', 'gold'),
      query: fc.dictionary(fc.constantFrom('utm', 'ref'), fc.constantFrom('pro', 'x', 'admin')),
      token: fc.record({ status: fc.constantFrom('valid', 'missing', 'invalid', 'expired') }),
      custom: fc.dictionary(fc.constantFrom('segment'), claimValue),
    },
    { requiredKeys: [] },
  ),
  now: fc.option(fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2026-12-31') }), { nil: undefined }),
  buckets: fc.dictionary(
    fc.constantFrom('n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'),
    fc.constantFrom(...VOCABULARY.bucketIds, 'zz'),
  ),
  trials: fc.dictionary(fc.constantFrom('n0', 'n1', 'n2', 'n3'), fc.constantFrom('allowed', 'exhausted')),
}) as fc.Arbitrary<Facts>;

describe('fast evaluator vs json-rules-engine', () => {
  it('agree on the decision and path for 10 000 random (graph, facts) cases', async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(graphArb, fc.array(factsArb, { minLength: 5, maxLength: 5 }), async (graph, factSets) => {
        const compiled = compileGraph(graph);
        const reference = createReferenceEvaluator(compiled);
        for (const f of factSets) {
          const fast = evaluate(compiled, f);
          const slow = await reference.evaluate(f);
          cases++;
          expect(slow.decision).toBe(fast.decision);
          if (fast.decision !== null) expect(slow.path).toEqual(fast.path);
        }
      }),
      { numRuns: 2_000, seed: Number(process.env.CF_PROPERTY_SEED ?? 20261124) },
    );
    expect(cases).toBe(10_000);
    // every inner kind of the registry was drawn into some graph
    expect([...drawnSeen].sort()).toEqual([...INNER_KINDS].sort());
  }, 120_000);

  it('draws every registered kind: the entry once, terminal kinds as outcomes, the others as inner nodes', () => {
    expect(Object.keys(NODE_ARBITRARIES).sort()).toEqual([...NODE_KINDS].sort());
    expect(INNER_KINDS.length + TERMINAL_KINDS.length + 1).toBe(NODE_KINDS.length);
    expect(TERMINAL_KINDS.length).toBeGreaterThan(0);
  });

  it("every kind's generator yields data its own schema accepts", () => {
    for (const kind of NODE_KINDS)
      fc.assert(
        fc.property(nodeArbitrary(kind), (data) => {
          const parsed = nodeDefinition(kind).dataSchema.safeParse(data);
          expect(parsed.success, `${kind}: ${JSON.stringify(data)}`).toBe(true);
        }),
        { numRuns: 200 },
      );
  });
});
