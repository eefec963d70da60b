import { describe, expect, it } from 'vitest';
import { compare, lookupPath, parsePropertyPath } from '../../engine';

describe('operator semantics (docs/OPERATORS.md)', () => {
  it('missing values: positive operators fail, negated ones pass', () => {
    for (const missing of [undefined, null]) {
      expect(compare('exists', missing, null)).toBe(false);
      expect(compare('notExists', missing, null)).toBe(true);
      expect(compare('equals', missing, 'x')).toBe(false);
      expect(compare('notEquals', missing, 'x')).toBe(true);
      expect(compare('in', missing, ['x'])).toBe(false);
      expect(compare('notIn', missing, ['x'])).toBe(true);
      expect(compare('greaterThan', missing, 1)).toBe(false);
      expect(compare('lessThan', missing, 1)).toBe(false);
      expect(compare('contains', missing, 'x')).toBe(false);
      expect(compare('notContains', missing, 'x')).toBe(true);
    }
  });

  it('arrays: any element for positive operators, no element for negated ones', () => {
    expect(compare('equals', ['gold', 'silver'], 'gold')).toBe(true);
    expect(compare('notEquals', ['gold', 'silver'], 'gold')).toBe(false);
    expect(compare('contains', ['gold', 'silver'], 'gold')).toBe(true);
    expect(compare('contains', ['golden'], 'gold')).toBe(false);
    expect(compare('in', ['a', 'b'], ['b', 'c'])).toBe(true);
    expect(compare('notIn', ['a', 'b'], ['c'])).toBe(true);
    expect(compare('greaterThan', [1, 5], 4)).toBe(true);
    expect(compare('startsWith', ['x-1', 'y-2'], 'y-')).toBe(true);
    expect(compare('exists', [], null)).toBe(true);
    expect(compare('equals', [], 'x')).toBe(false);
    expect(compare('equals', [['gold']], 'gold')).toBe(false);
  });

  it('type mismatches: no coercion', () => {
    expect(compare('equals', '5', 5)).toBe(false);
    expect(compare('equals', 5, 5)).toBe(true);
    expect(compare('equals', true, 'true')).toBe(false);
    expect(compare('greaterThan', '10', 9)).toBe(false);
    expect(compare('greaterThan', 10, 9)).toBe(true);
    expect(compare('greaterThan', 'b', 'a')).toBe(true);
    expect(compare('lessThanOrEqual', Number.NaN, 1)).toBe(false);
    expect(compare('startsWith', 123, '1')).toBe(false);
    expect(compare('contains', 'Alabama', 'bam')).toBe(true);
    expect(compare('contains', 12345, '23')).toBe(false);
    expect(compare('equals', { a: 1 }, 'x')).toBe(false);
    expect(compare('notEquals', { a: 1 }, 'x')).toBe(true);
  });

  it('property paths: dots, quoted segments, own properties only', () => {
    expect(parsePropertyPath('org.plan')).toEqual({ ok: true, segments: ['org', 'plan'] });
    expect(parsePropertyPath('["https://x.com/roles"]')).toEqual({ ok: true, segments: ['https://x.com/roles'] });
    expect(parsePropertyPath('a["b.c"].d')).toEqual({ ok: true, segments: ['a', 'b.c', 'd'] });
    expect(parsePropertyPath('a.').ok).toBe(false);
    expect(parsePropertyPath('["x').ok).toBe(false);
    const claims = { org: { plan: 'pro' }, list: ['a', 'b'], 'https://x.com/roles': ['admin'] };
    expect(lookupPath(claims, ['org', 'plan'])).toBe('pro');
    expect(lookupPath(claims, ['list', '1'])).toBe('b');
    expect(lookupPath(claims, ['list', 'length'])).toBeUndefined();
    expect(lookupPath(claims, ['__proto__'])).toBeUndefined();
    expect(lookupPath(claims, ['constructor'])).toBeUndefined();
    expect(lookupPath(claims, ['org', 'plan', 'length'])).toBeUndefined();
    expect(lookupPath(claims, ['https://x.com/roles'])).toEqual(['admin']);
  });
});
