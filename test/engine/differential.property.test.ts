/**
 * Differential property test: for random valid graphs and random facts (missing claims, arrays, type mismatches,
 * nulls, nested objects), the fast evaluator and stock json-rules-engine on the compiled rules give the same
 * decision and path. 2 000 graphs x 5 fact sets = 10 000 cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGraph,
  evaluate,
  type Facts,
  NODE_KINDS,
  type NodeKind,
  nodeDefinition,
  OPERATORS,
  operandKind,
} from '../../engine';
import { createReferenceEvaluator } from '../../engine/rules-engine';

const CLAIMS = ['state', 'age', 'roles', 'org.plan', '["https://x.com/tier"]'];
const STRINGS = ['Alabama', 'Texas', 'gold', 'admin', 'pro', 'x', ''];
const NUMBERS = [0, 1, 17, 18, 42, -3.5];
const PRODUCTS = ['gold', 'silver', 'bronze'];
const REQUEST_PROPS = ['device', 'country', 'query.utm', 'token.status', 'custom.segment'];
const BUCKET_IDS = ['a', 'b', 'c'];

const primitive = fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom(...NUMBERS), fc.boolean());
const claimValue = fc.oneof(
  primitive,
  fc.array(primitive, { maxLength: 3 }),
  fc.constant(null),
  fc.record({ plan: primitive }),
  fc.array(fc.array(primitive, { maxLength: 2 }), { maxLength: 2 }),
);

function operand(op: (typeof OPERATORS)[number]) {
  switch (operandKind(op)) {
    case 'none':
      return fc.constant(undefined);
    case 'list':
      return fc.array(primitive, { minLength: 1, maxLength: 3 });
    case 'string':
      return fc.constantFrom(...STRINGS);
    case 'orderable':
      return fc.oneof(fc.constantFrom(...NUMBERS), fc.constantFrom(...STRINGS));
    default:
      return primitive;
  }
}

const comparison = fc.constantFrom(...OPERATORS).chain((op) => operand(op).map((value) => ({ operator: op, value })));

const subject = fc.oneof(
  fc.constantFrom(...CLAIMS).map((property) => ({ source: 'claim' as const, property })),
  fc.constantFrom(...REQUEST_PROPS).map((property) => ({ source: 'request' as const, property })),
);

/** Values for a switch case: none for exists/notExists, else one to three operands of the operator's kind. */
function caseValues(op: (typeof OPERATORS)[number]) {
  const kind = operandKind(op);
  if (kind === 'none') return fc.constant([]);
  if (kind === 'list') return fc.array(primitive, { minLength: 1, maxLength: 3 });
  return fc.array(operand(op) as fc.Arbitrary<unknown>, { minLength: 1, maxLength: 3 });
}

/**
 * Valid data per kind, typed by the registry: a kind added to the registry without a generator here fails the type
 * check, and the test below fails when a registered kind is never drawn. Null: the kind is placed by the graph
 * builder (start, terminal outcomes).
 */
const SAMPLES: { [K in NodeKind]: fc.Arbitrary<unknown> | null } = {
  start: null,
  outcome: null,
  userState: fc.constant({}),
  jwtClaim: fc.tuple(fc.constantFrom(...CLAIMS), comparison).map(([property, c]) => ({ property, ...c })),
  request: fc.tuple(fc.constantFrom(...REQUEST_PROPS), comparison).map(([property, c]) => ({ property, ...c })),
  product: fc.record({ products: fc.subarray(PRODUCTS, { minLength: 1 }), match: fc.constantFrom('any', 'all') }),
  schedule: fc.record({
    after: fc.option(fc.constant('2026-06-01T00:00:00Z'), { nil: undefined }),
    days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { minLength: 1 }),
    timeZone: fc.constantFrom('UTC', 'America/Chicago', 'Asia/Tokyo'),
  }),
  bucket: fc.subarray(BUCKET_IDS, { minLength: 1 }).map((ids) => ({ buckets: ids.map((id) => ({ id, weight: 1 })) })),
  trial: fc.constant({ allowance: 3, period: 'P30D' }),
  switch: fc
    .tuple(
      subject,
      fc.array(
        fc.constantFrom(...OPERATORS).chain((op) => caseValues(op).map((values) => ({ operator: op, values }))),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([s, cases]) => ({ ...s, cases: cases.map((c, i) => ({ ...c, branch: `c${i}` })) })),
  conditions: fc.record({
    match: fc.constantFrom('all', 'any'),
    conditions: fc.array(
      fc.tuple(subject, comparison).map(([s, c]) => ({ ...s, ...c })),
      { minLength: 1, maxLength: 4 },
    ),
  }),
};

const DRAWN_KINDS = NODE_KINDS.filter((kind) => SAMPLES[kind] !== null);
const drawnSeen = new Set<string>();

const nodeSpec = fc.oneof(
  ...DRAWN_KINDS.map((type) => (SAMPLES[type] as fc.Arbitrary<unknown>).map((data) => ({ type, data }))),
);

/** Branch names come from the kind's own definition (parsed data), never from a list kept here. */
function branchesOf(type: NodeKind, data: unknown): readonly string[] {
  const definition = nodeDefinition(type);
  return definition.branches(definition.dataSchema.parse(data));
}

/** A random DAG: inner node i branches only to later inner nodes or to outcomes, so it is acyclic. */
const graphArb = fc
  .tuple(fc.array(nodeSpec, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { minLength: 64, maxLength: 64 }))
  .map(([specs, choices]) => {
    const outcomes = ['o1', 'o2', 'o3'];
    const nodes: { id: string; type: string; position: { x: number; y: number }; data: unknown }[] = [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
      ...specs.map((s, i) => ({ id: `n${i}`, type: s.type, position: { x: 0, y: i }, data: s.data })),
      ...outcomes.map((id) => ({ id, type: 'outcome', position: { x: 0, y: 99 }, data: { decision: `d-${id}` } })),
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
  products: fc.subarray(PRODUCTS),
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
    fc.constantFrom(...BUCKET_IDS, 'zz'),
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
    // every kind of the registry that has branches was drawn into some graph
    expect([...drawnSeen].sort()).toEqual([...DRAWN_KINDS].sort());
  }, 120_000);

  it('draws every registered kind except start and terminal ones', () => {
    for (const kind of NODE_KINDS) {
      const definition = nodeDefinition(kind);
      expect(definition.kind).toBe(kind);
      expect(SAMPLES[kind] === null).toBe(kind === 'start' || definition.terminal);
    }
  });
});
