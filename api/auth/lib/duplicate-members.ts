/** Finds duplicate member names in a JSON text (JSON.parse keeps the last one silently; RFC 7515 §5.2 lets us refuse). */
import { visit } from 'jsonc-parser';

/** Deeper texts are left to jsonc-parser's recursive walk, which is what decides "nested too deeply". */
const MAX_SCAN_DEPTH = 64;

/**
 * Why a JSON text must not be trusted, or null: a member name occurring twice in one object (compared after
 * unescaping, so `"a"` and `"\u0061"` are the same), or nesting too deep to walk. A text JSON.parse accepts (pass
 * `isJson` when the caller already parsed it) is scanned in one pass; any other text goes to jsonc-parser's tolerant
 * walk, which names the same duplicate for valid JSON (test/api/auth/duplicate-members.test.ts).
 * @example jsonMemberProblem('{"sub":"a","sub":"b"}') // 'duplicate member name "sub"'
 */
export function jsonMemberProblem(text: string, isJson = parses(text)): string | null {
  let name = isJson ? duplicateInJson(text) : undefined;
  if (name === undefined) {
    try {
      name = duplicateMember(text);
    } catch (error) {
      if (error instanceof RangeError) return 'the JSON is nested too deeply';
      throw error;
    }
  }
  return name === null
    ? null
    : `duplicate member name ${JSON.stringify(name.length > 32 ? `${name.slice(0, 32)}…` : name)}`;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first member name repeated in its object, in document order, for a text JSON.parse accepts; undefined when the
 * nesting is deeper than MAX_SCAN_DEPTH. Strings are skipped whole; only names containing an escape are unescaped.
 */
function duplicateInJson(text: string): string | null | undefined {
  // per open container: the names seen so far in an object, null for an array
  const open: (Set<string> | null)[] = [];
  let names: Set<string> | null = null;
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(end); d !== QUOTE; d = text.charCodeAt(++end)) {
        if (d === BACKSLASH) {
          escaped = true;
          end++;
        }
      }
      if (expectName && names) {
        const name: string = escaped ? JSON.parse(text.slice(i, end + 1)) : text.slice(i + 1, end);
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (open.length === MAX_SCAN_DEPTH) return undefined;
      open.push(names);
      names = c === 0x7b ? new Set() : null;
      expectName = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      names = open.pop() ?? null;
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = names !== null;
    }
  }
  return null;
}

function duplicateMember(text: string): string | null {
  const open: Set<string>[] = [];
  let found: string | null = null;
  visit(
    text,
    {
      onObjectBegin: () => {
        open.push(new Set());
      },
      onObjectEnd: () => {
        open.pop();
      },
      onObjectProperty: (name) => {
        const names = open[open.length - 1];
        if (!names || found !== null) return;
        if (names.has(name)) found = name;
        else names.add(name);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return found;
}
