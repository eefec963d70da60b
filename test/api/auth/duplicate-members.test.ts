/** jsonMemberProblem: its one-pass scan of valid JSON names the same problem as jsonc-parser's walk (the reference). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonMemberProblem } from '../../../api/auth/lib/duplicate-members';

/**
 * The check as it was: jsonc-parser's walk over any text (RangeError for nesting too deep), which the module still runs
 * for text JSON.parse refuses; `isJson = false` sends any text down that walk.
 */
const reference = (text: string): string | null => jsonMemberProblem(text, false);

/** A JSON text whose objects draw names from a small pool (so they repeat), written with or without escapes. */
const name = fc.constantFrom('a', 'b', 'sub', '\u0061', 'é', '"', '\\', '\u2028', '\ud800', 'a'.repeat(40));
const spelled = (n: string) =>
  fc.constantFrom(
    JSON.stringify(n),
    `"${[...n].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`,
  );
const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n');
const { value } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('"a\\"b"', '"{\\"a\\":1,\\"a\\":2}"', '"[,{"', '"\\\\"'),
    fc
      .array(fc.tuple(name.chain(spelled), ws, tie('value')), { maxLength: 5 })
      .map((members) => `{${members.map(([k, w, v]) => `${w}${k}${w}:${w}${v}`).join(',')}}`),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
  ),
}));

describe('jsonMemberProblem', () => {
  it('names the same duplicate as jsonc-parser for any valid JSON text', () => {
    fc.assert(
      fc.property(value, (text) => {
        JSON.parse(text); // the generator writes valid JSON only
        expect(jsonMemberProblem(text)).toBe(reference(text));
        expect(jsonMemberProblem(text, true)).toBe(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('answers any other text as jsonc-parser does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          value.map((t) => t.slice(0, -1)),
        ),
        (text) => {
          expect(jsonMemberProblem(text)).toBe(reference(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds duplicates compared after unescaping, in nested objects, and leaves deep texts to jsonc-parser', () => {
    expect(jsonMemberProblem('{"sub":"a","\\u0073ub":"b"}')).toBe('duplicate member name "sub"');
    expect(jsonMemberProblem('{"a":[{"b":1},{"c":{"d":1,"d":2}}]}')).toBe('duplicate member name "d"');
    expect(jsonMemberProblem('{"a":"\\"a\\":","b":{"a":1},"c":1}')).toBeNull();
    const deep = `${'['.repeat(100)}{"x":1,"x":2}${']'.repeat(100)}`;
    expect(jsonMemberProblem(deep)).toBe(reference(deep));
    expect(jsonMemberProblem(deep)).toBe('duplicate member name "x"');
  });
});
