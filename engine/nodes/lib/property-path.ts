/**
 * Property paths into claims and request facts: dot-separated segments (`org.plan`), where a segment that
 * itself contains dots is written in brackets with double quotes (`["https://example.com/roles"]`).
 * Lookup walks own properties of plain objects and arrays only (never the prototype chain).
 */

const MAX_SEGMENTS = 32;

/** Parses a property path; returns the segments, or an error message naming what is wrong. */
export function parsePropertyPath(input: string): { ok: true; segments: string[] } | { ok: false; error: string } {
  const segments: string[] = [];
  let i = 0;
  if (input.length === 0) return { ok: false, error: 'the property is empty' };
  while (i < input.length) {
    if (input.startsWith('["', i)) {
      const end = input.indexOf('"]', i + 2);
      if (end < 0) return { ok: false, error: `unclosed ["...] at position ${i}` };
      segments.push(input.slice(i + 2, end));
      i = end + 2;
    } else {
      let end = i;
      while (end < input.length && input[end] !== '.' && !input.startsWith('["', end)) end++;
      const seg = input.slice(i, end);
      if (seg.length === 0) return { ok: false, error: `empty segment at position ${i}` };
      segments.push(seg);
      i = end;
    }
    if (i < input.length) {
      if (input[i] === '.') {
        i++;
        if (i >= input.length) return { ok: false, error: 'the property ends with a dot' };
      } else if (!input.startsWith('["', i)) {
        return { ok: false, error: `unexpected character at position ${i}` };
      }
    }
    if (segments.length > MAX_SEGMENTS) return { ok: false, error: `more than ${MAX_SEGMENTS} segments` };
  }
  return { ok: true, segments };
}

/** Reads `segments` from `root`, walking own properties of objects and arrays; `undefined` when absent. */
export function lookupPath(root: unknown, segments: readonly string[]): unknown {
  let cur: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const seg = segments[i] as string;
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d{0,8})$/.test(seg)) return undefined;
      const idx = Number(seg);
      cur = idx < cur.length ? cur[idx] : undefined;
    } else {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}
