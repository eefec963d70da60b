import { describe, expect, it } from 'vitest';
import { compileGraph, evaluate, prepareEvaluator } from '../../engine';
import { createReferenceEvaluator } from '../../engine/rules-engine';
import { facts, loadJson } from './helpers';

const zephr = compileGraph(loadJson('engine/examples/zephr-tutorial.json'));

describe('fast evaluator', () => {
  it('decides the Zephr tutorial for the four visitors', () => {
    expect(evaluate(zephr, facts({ userState: 'anonymous' })).decision).toBe('registrationWall');
    expect(evaluate(zephr, facts({ userState: 'registered' })).decision).toBe('paywall');
    const alabama = evaluate(zephr, facts({ userState: 'registered', claims: { state: 'Alabama' } }));
    expect(alabama).toMatchObject({
      decision: 'regionalOffer',
      payload: { discount: 50, region: 'Alabama' },
      outcomeNodeId: 'offer',
      path: ['start', 'state', 'alabama', 'offer'],
    });
    expect(evaluate(zephr, facts({ userState: 'customer', products: ['gold'] })).decision).toBe('fullArticle');
  });

  it('returns a trace keyed by node id: tested, seen, branch, order', () => {
    const d = evaluate(zephr, facts({ userState: 'registered', claims: { state: 'Texas' } }), { trace: true });
    expect(d.trace).toEqual({
      start: { order: 0, kind: 'start', tested: 'start', value: null, branch: 'out' },
      state: { order: 1, kind: 'userState', tested: 'user state', value: 'registered', branch: 'registered' },
      alabama: { order: 2, kind: 'jwtClaim', tested: 'claim state equals "Alabama"', value: 'Texas', branch: 'no' },
      paywall: { order: 3, kind: 'outcome', tested: 'decide paywall', value: 'paywall', branch: null },
    });
    expect(d.reasons[2]).toBe('claim state equals "Alabama": saw "Texas" -> no (node alabama)');
    expect(d.branches).toEqual({ start: 'out', state: 'registered', alabama: 'no', paywall: null });
  });

  it('stops at an unconnected branch of a draft with no decision, like json-rules-engine', async () => {
    const compiled = compileGraph(
      {
        nodes: [
          { id: 's', type: 'start', position: { x: 0, y: 0 }, data: {} },
          { id: 'u', type: 'userState', position: { x: 0, y: 0 }, data: {} },
          { id: 'o', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'wall' } },
        ],
        edges: [
          { id: 'e1', source: 's', target: 'u' },
          { id: 'e2', source: 'u', target: 'o', sourceHandle: 'anonymous' },
        ],
      },
      { mode: 'draft' },
    );
    const d = evaluate(compiled, facts({ userState: 'customer' }));
    expect(d).toMatchObject({ decision: null, deadEnd: { nodeId: 'u', branch: 'customer' }, path: ['s', 'u'] });
    expect((await createReferenceEvaluator(compiled).evaluate(facts({ userState: 'customer' }))).decision).toBeNull();
  });

  it('caches the prepared evaluator per compiled version', () => {
    expect(prepareEvaluator(zephr)).toBe(prepareEvaluator(zephr));
  });

  it('splits and meters through bucket and trial facts', () => {
    const split = compileGraph(loadJson('engine/examples/split-test.json'));
    expect(evaluate(split, facts({ buckets: { copy: 'video' } })).payload).toEqual({ variant: 'video' });
    const metered = compileGraph(loadJson('engine/examples/metered-trial.json'));
    expect(evaluate(metered, facts({ userState: 'registered', trials: { meter: 'allowed' } })).decision).toBe(
      'fullArticle',
    );
    expect(evaluate(metered, facts({ userState: 'registered', trials: { meter: 'exhausted' } })).decision).toBe(
      'paywall',
    );
    expect(evaluate(metered, facts({ userState: 'registered' })).decision).toBe('paywall');
    const expired = facts({ request: { token: { status: 'expired' } } });
    expect(evaluate(metered, expired).decision).toBe('signInAgain');
  });
});

describe('reference evaluator (json-rules-engine)', () => {
  it('agrees with the fast evaluator on the examples, also under concurrent calls', async () => {
    const ref = createReferenceEvaluator(zephr);
    const inputs = [
      facts({ userState: 'anonymous' }),
      facts({ userState: 'registered', claims: { state: 'Alabama' } }),
      facts({ userState: 'registered', claims: { state: ['Alabama', 'Ohio'] } }),
      facts({ userState: 'customer', products: ['gold'] }),
      facts({ userState: 'customer', products: ['silver'] }),
    ];
    const results = await Promise.all(inputs.map((f) => ref.evaluate(f)));
    expect(results.map((r) => r.decision)).toEqual(inputs.map((f) => evaluate(zephr, f).decision));
    expect(results.map((r) => r.path)).toEqual(inputs.map((f) => evaluate(zephr, f).path));
  });
});
