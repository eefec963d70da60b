/** Synthetic features for benchmarks: balanced decision trees with a chosen number of start-to-outcome paths. */
import type { Facts } from '../../engine';

interface Node {
  id: string;
  type: string;
  position: { x: number; y: number };
  data: unknown;
}
interface Edge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string | null;
}

/**
 * start -> userState; anonymous and customer end at once; registered enters a balanced tree of jwtClaim tests
 * (`c<i> equals "a"`) with `paths - 2` leaves, so the feature has exactly `paths` paths.
 */
export function balancedFeature(paths: number): { nodes: Node[]; edges: Edge[]; claimCount: number } {
  if (paths < 3) throw new TypeError('paths >= 3');
  const nodes: Node[] = [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
    { id: 'state', type: 'userState', position: { x: 0, y: 0 }, data: {} },
    { id: 'anon', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'registrationWall' } },
    { id: 'cust', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'fullArticle' } },
  ];
  const edges: Edge[] = [
    { id: 'e-start', source: 'start', target: 'state', sourceHandle: null },
    { id: 'e-anon', source: 'state', target: 'anon', sourceHandle: 'anonymous' },
    { id: 'e-cust', source: 'state', target: 'cust', sourceHandle: 'customer' },
  ];
  let claims = 0;
  let leaves = 0;
  const build = (leafCount: number): string => {
    if (leafCount === 1) {
      const id = `o${leaves++}`;
      nodes.push({ id, type: 'outcome', position: { x: 0, y: 0 }, data: { decision: `offer-${leaves}` } });
      return id;
    }
    const id = `c${claims++}`;
    nodes.push({
      id,
      type: 'jwtClaim',
      position: { x: 0, y: 0 },
      data: { property: id, operator: 'equals', value: 'a' },
    });
    const yes = build(Math.floor(leafCount / 2));
    const no = build(Math.ceil(leafCount / 2));
    edges.push({ id: `${id}-yes`, source: id, target: yes, sourceHandle: 'yes' });
    edges.push({ id: `${id}-no`, source: id, target: no, sourceHandle: 'no' });
    return id;
  };
  const root = build(paths - 2);
  edges.push({ id: 'e-reg', source: 'state', target: root, sourceHandle: 'registered' });
  return { nodes, edges, claimCount: claims };
}

/** Deterministic pseudo-random visitors for a feature with `claimCount` claim tests. */
export function visitors(count: number, claimCount: number, seed = 42): Facts[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: Facts[] = [];
  for (let i = 0; i < count; i++) {
    const claims: Record<string, unknown> = { sub: `user-${i}` };
    for (let c = 0; c < claimCount; c++) claims[`c${c}`] = rnd() < 0.5 ? 'a' : 'b';
    const r = rnd();
    out.push({
      userState: r < 0.1 ? 'anonymous' : r < 0.2 ? 'customer' : 'registered',
      products: [],
      entitlements: [],
      claims,
      request: {},
      buckets: {},
      trials: {},
      now: Date.now(),
    });
  }
  return out;
}
