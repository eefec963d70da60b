/**
 * Nesting bound for untrusted JSON, checked on the raw text before it is parsed, so that no recursive code (zod,
 * `JSON.stringify` in the store, the graph validator) ever sees a document nested thousands of levels deep.
 * One pass over the characters with an explicit stack: no recursion, whatever the input.
 */

/** Default maximum nesting of arrays and objects in a request body (`CLAIMFLOW_JSON_MAX_DEPTH`). */
export const DEFAULT_JSON_MAX_DEPTH = 64;

/** Path segments shown in the field of a too-deep error before it is cut with `...`. */
const SHOWN_SEGMENTS = 12;

export interface JsonDepthProblem {
  /** Dot path (under `where`) of the first array or object that opens beyond the limit, e.g. `body.graph.nodes.3`. */
  field: string;
  depth: number;
}

interface Frame {
  array: boolean;
  index: number;
  key: string | null;
  expectKey: boolean;
}

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Returns where `text` (JSON, possibly malformed: syntax is left to the parser) nests deeper than `maxDepth`, or null.
 * A top-level object or array is depth 1.
 * @example jsonDepthProblem('{"a":[[1]]}', 2) // { field: 'body.a.0', depth: 3 }
 */
export function jsonDepthProblem(text: string, maxDepth: number, where = 'body'): JsonDepthProblem | null {
  // Each level opens with its own bracket: a text no longer than the limit cannot nest beyond it (most decision bodies).
  if (text.length <= maxDepth) return null;
  const stack: Frame[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i++;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      const top = stack[stack.length - 1];
      if (top && !top.array && top.expectKey) {
        top.key = decodeKey(text.slice(start, i + 1));
        top.expectKey = false;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length + 1 > maxDepth) return { field: pathOf(stack, where), depth: stack.length + 1 };
      stack.push({ array: c === OPEN_ARRAY, index: 0, key: null, expectKey: c === OPEN_OBJECT });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      else if (top) top.expectKey = true;
    }
  }
  return null;
}

function decodeKey(raw: string): string {
  try {
    const key = JSON.parse(raw);
    return typeof key === 'string' ? key.slice(0, 64) : '?';
  } catch {
    return '?';
  }
}

function pathOf(stack: Frame[], where: string): string {
  const segments = [where];
  for (const frame of stack) {
    if (segments.length > SHOWN_SEGMENTS) {
      segments.push('...');
      break;
    }
    segments.push(frame.array ? String(frame.index) : (frame.key ?? '?'));
  }
  return segments.join('.');
}
