/**
 * What a metered decision tells the site (the remaining allowance per trial node passed), and how uses are counted
 * when one path passes several trial nodes: a tracker counts once per decision, and a re-evaluation after an
 * exhausted meter never counts an earlier meter again. Through the decision API on embedded SQLite.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecisionMetersSchema } from '../../api/contract/meters';
import { admin, hs256, setupZephr, testApp } from './helpers';

let app: FastifyInstance;
let close: () => Promise<void>;

const P = { x: 0, y: 0 };
const trial = (id: string, data: Record<string, unknown>) => ({
  id,
  type: 'trial',
  position: P,
  data: { period: 'P30D', counting: 'pageViews', ...data },
});
/**
 * start -> userState(registered) -> first -> (allowed) second -> (allowed) free; any exhausted -> wall. `reversed`
 * lists the second node before the first in the graph's nodes (path order must win over node order).
 */
const twoMeters = (first: Record<string, unknown>, second: Record<string, unknown>, reversed = false) => ({
  nodes: [
    { id: 'start', type: 'start', position: P, data: {} },
    { id: 'state', type: 'userState', position: P, data: {} },
    ...(reversed ? [trial('second', second), trial('first', first)] : [trial('first', first), trial('second', second)]),
    { id: 'free', type: 'outcome', position: P, data: { decision: 'article' } },
    { id: 'wall', type: 'outcome', position: P, data: { decision: 'paywall' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'state' },
    { id: 'e2', source: 'state', target: 'wall', sourceHandle: 'anonymous' },
    { id: 'e3', source: 'state', target: 'first', sourceHandle: 'registered' },
    { id: 'e4', source: 'state', target: 'wall', sourceHandle: 'customer' },
    { id: 'e5', source: 'first', target: 'second', sourceHandle: 'allowed' },
    { id: 'e6', source: 'first', target: 'wall', sourceHandle: 'exhausted' },
    { id: 'e7', source: 'second', target: 'free', sourceHandle: 'allowed' },
    { id: 'e8', source: 'second', target: 'wall', sourceHandle: 'exhausted' },
  ],
});

async function publish(id: string, graph: unknown) {
  await app.inject({ method: 'POST', url: '/admin/v1/features', headers: admin, payload: { id, name: id } });
  await app.inject({ method: 'PUT', url: `/admin/v1/features/${id}/draft`, headers: admin, payload: { graph } });
  const res = await app.inject({
    method: 'POST',
    url: `/admin/v1/features/${id}/publish`,
    headers: admin,
    payload: {},
  });
  expect(res.statusCode).toBe(201);
}

async function decide(feature: string, sub: string, dryRun = false) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/decisions',
    headers: { authorization: `Bearer ${await hs256({ sub })}` },
    payload: { feature, context: { contentId: `c-${Math.random()}` }, dryRun },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as { decision: string; path: string[]; meters?: unknown };
}

beforeEach(async () => {
  ({ app, close } = await testApp());
  await setupZephr(app, { publish: false });
});
afterEach(async () => close());

describe('remaining allowance in metered decisions', () => {
  it('tells the site how many uses are left per trial node passed, in the contract shape', async () => {
    await publish('one', twoMeters({ allowance: 3, tracker: 'month' }, { allowance: 100, tracker: 'other' }));
    const left = async (dryRun = false) => {
      const answer = await decide('one', 'reader', dryRun);
      expect(DecisionMetersSchema.safeParse(answer.meters).success).toBe(true);
      return { decision: answer.decision, meters: answer.meters };
    };
    expect(await left(true)).toEqual({
      decision: 'article',
      meters: [
        { node: 'first', tracker: 'month', allowance: 3, remaining: 3 },
        { node: 'second', tracker: 'other', allowance: 100, remaining: 100 },
      ],
    });
    expect((await left()).meters).toEqual([
      { node: 'first', tracker: 'month', allowance: 3, remaining: 2 },
      { node: 'second', tracker: 'other', allowance: 100, remaining: 99 },
    ]);
    await left();
    expect(await left()).toMatchObject({ decision: 'article', meters: [{ node: 'first', remaining: 0 }, {}] });
    // Exhausted: the wall, and only the node passed, with nothing left.
    expect(await left()).toEqual({
      decision: 'paywall',
      meters: [{ node: 'first', tracker: 'month', allowance: 3, remaining: 0 }],
    });
    // A decision that passes no trial node carries no meters.
    const anonymous = await app.inject({ method: 'POST', url: '/v1/decisions', payload: { feature: 'one' } });
    expect(anonymous.json().decision).toBe('paywall');
    expect(anonymous.json().meters).toBeUndefined();
  });
});

describe('several trial nodes on one path', () => {
  it('a tracker named by two nodes on one path counts one use per decision; each node checks its own allowance', async () => {
    await publish('same', twoMeters({ allowance: 3, tracker: 'shared' }, { allowance: 2, tracker: 'shared' }));
    const first = await decide('same', 'reader');
    expect(first.decision).toBe('article');
    // One use, not two: 2 of 3 left on the first node, 1 of 2 on the second (the count includes this view).
    expect(first.meters).toEqual([
      { node: 'first', tracker: 'shared', allowance: 3, remaining: 2 },
      { node: 'second', tracker: 'shared', allowance: 2, remaining: 1 },
    ]);
    expect((await decide('same', 'reader')).decision).toBe('article');
    const third = await decide('same', 'reader');
    expect(third.decision).toBe('paywall'); // three uses are past the second node's allowance of two
    expect((await decide('same', 'reader', true)).meters).toMatchObject([{ node: 'first', remaining: 0 }]);
  });

  it('the first node on the path counts, whatever the order of the nodes in the graph', async () => {
    await publish('reversed', twoMeters({ allowance: 2, tracker: 'rev' }, { allowance: 3, tracker: 'rev' }, true));
    await publish('probe', twoMeters({ allowance: 10, tracker: 'rev' }, { allowance: 10, tracker: 'unused' }));
    expect((await decide('reversed', 'reader')).decision).toBe('article');
    expect((await decide('reversed', 'reader')).decision).toBe('article');
    // The first node is exhausted: the wall, and no use recorded (the second node is not passed, so it counts none).
    expect((await decide('reversed', 'reader')).decision).toBe('paywall');
    expect((await decide('probe', 'reader', true)).meters).toMatchObject([{ node: 'first', remaining: 8 }, {}]);
  });

  it('a node after an exhausted meter on the path counts nothing', async () => {
    await publish('after', twoMeters({ allowance: 1, tracker: 'gate' }, { allowance: 5, tracker: 'behind' }));
    await publish('peek', twoMeters({ allowance: 5, tracker: 'behind' }, { allowance: 5, tracker: 'x' }));
    expect((await decide('after', 'reader')).decision).toBe('article'); // gate 1/1, behind 1/5
    expect((await decide('after', 'reader')).decision).toBe('paywall'); // gate exhausted: behind is not passed
    expect((await decide('peek', 'reader', true)).meters).toMatchObject([{ node: 'first', remaining: 4 }, {}]);
  });

  it('re-evaluating after an exhausted meter does not count the meters before it again', async () => {
    await publish('chain', twoMeters({ allowance: 10, tracker: 'outer' }, { allowance: 1, tracker: 'inner' }));
    expect((await decide('chain', 'reader')).decision).toBe('article'); // outer 1, inner 1 (its last)
    const walled = await decide('chain', 'reader');
    expect(walled.decision).toBe('paywall');
    expect(walled.meters).toEqual([
      { node: 'first', tracker: 'outer', allowance: 10, remaining: 8 },
      { node: 'second', tracker: 'inner', allowance: 1, remaining: 0 },
    ]);
    // Dry run: outer holds exactly two uses (one per decision), not three.
    expect((await decide('chain', 'reader', true)).meters).toMatchObject([{ node: 'first', remaining: 8 }, {}]);
  });
});
