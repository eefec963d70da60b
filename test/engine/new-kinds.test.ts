/** The switch and conditions kinds: what their data schemas refuse (and where), and their branches. */
import { describe, expect, it } from 'vitest';
import { nodeDefinition } from '../../engine';

function issues(kind: 'switch' | 'conditions', data: unknown): string[] {
  const parsed = nodeDefinition(kind).dataSchema.safeParse(data);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('switch data', () => {
  const valid = {
    source: 'request',
    property: 'query.plan',
    cases: [
      { operator: 'equals', values: ['gold', 'platinum'], branch: 'premium' },
      { operator: 'exists', values: [], branch: 'other' },
    ],
  };

  it('accepts ordered cases and branches on their labels, then default', () => {
    expect(issues('switch', valid)).toEqual([]);
    const def = nodeDefinition('switch');
    expect(def.branches(def.dataSchema.parse(valid))).toEqual(['premium', 'other', 'default']);
  });

  it('refuses duplicate labels, the default label, values on exists, empty values and bad properties', () => {
    expect(
      issues('switch', {
        source: 'request',
        property: 'nonsense',
        cases: [
          { operator: 'equals', values: ['a'], branch: 'x' },
          { operator: 'equals', values: [], branch: 'x' },
          { operator: 'exists', values: ['a'], branch: 'default' },
          { operator: 'startsWith', values: [3], branch: 'y' },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^property: unknown request property "nonsense"/),
      'cases.1.branch: duplicate branch label "x"',
      'cases.1.values: add at least one value',
      'cases.2.branch: "default" is the fallback branch',
      'cases.2.values: "exists" takes no values',
      'cases.3.values.0: operator "startsWith" needs a text value',
    ]);
  });
});

describe('conditions data', () => {
  it('names the comparison at fault', () => {
    expect(
      issues('conditions', {
        match: 'any',
        conditions: [
          { source: 'claim', property: 'age', operator: 'greaterThan', value: 18 },
          { source: 'claim', property: 'a..b', operator: 'equals', value: 'x' },
          { source: 'request', property: 'device', operator: 'in' },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^conditions\.1\.property: bad property path/),
      'conditions.2.value: operator "in" needs a value',
    ]);
    expect(issues('conditions', { match: 'all', conditions: [] })).toEqual(['conditions: add at least one condition']);
  });
});
