/** The pure OFREP mapping of api/contract/ofrep.ts: reading an evaluation context, and reasons from a path. */
import { describe, expect, it } from 'vitest';
import { nodeKinds, ofrepReason, readOfrepContext } from '../../api/contract/ofrep';
import { compileGraph } from '../../engine';
import { example } from './fixture';

describe('readOfrepContext', () => {
  it('splits token, targetingKey, request attributes and custom attributes', () => {
    expect(
      readOfrepContext({ token: 'a.b.c', targetingKey: 'visitor-42', device: 'mobile', plan: 'x', custom: { a: 1 } }),
    ).toEqual({
      ok: true,
      token: 'a.b.c',
      targetingKey: 'visitor-42',
      context: { device: 'mobile', custom: { a: 1, plan: 'x' } },
    });
    expect(readOfrepContext(undefined)).toEqual({ ok: true, token: null, targetingKey: null, context: {} });
  });

  it('names the attribute of a bad context', () => {
    expect(readOfrepContext({ contentId: 7 })).toMatchObject({ ok: false, errorCode: 'INVALID_CONTEXT' });
    expect(readOfrepContext({ contentId: 7 }).ok || readOfrepContext({ contentId: 7 })).toMatchObject({
      errorDetails: expect.stringContaining('context.contentId'),
    });
    expect(readOfrepContext({ token: 5 })).toMatchObject({ ok: false });
    expect(readOfrepContext([])).toMatchObject({ ok: false });
  });

  it('an attribute named __proto__ changes no prototype (zod drops the key)', () => {
    const read = readOfrepContext(JSON.parse('{"__proto__": {"device": "forged"}, "plan": "y"}'));
    if (!read.ok) throw new Error(read.errorDetails);
    expect(read.context.device).toBeUndefined();
    expect(Object.getPrototypeOf(read.context.custom)).toBe(Object.prototype);
    expect(Object.keys(read.context.custom ?? {})).toEqual(['plan']);
    expect(({} as Record<string, unknown>).device).toBeUndefined();
  });
});

describe('ofrepReason', () => {
  it('SPLIT through a bucket, TARGETING_MATCH through a test, DEFAULT straight to an outcome', () => {
    const split = nodeKinds(compileGraph(example('split-test') as never));
    expect(ofrepReason(split, ['start', 'state', 'copy', 'pw-control'])).toBe('SPLIT');
    expect(ofrepReason(split, ['start', 'state', 'article'])).toBe('TARGETING_MATCH');
    expect(ofrepReason(split, ['start', 'article'])).toBe('DEFAULT');
  });
});
