/** Finds duplicate member names in a JSON text (JSON.parse keeps the last one silently; RFC 7515 §5.2 lets us refuse). */
import { visit } from 'jsonc-parser';

/**
 * Why a JSON text (one that JSON.parse already accepted) must not be trusted, or null: a member name occurring twice
 * in one object (compared after unescaping, so `"a"` and `"\u0061"` are the same), or nesting too deep to walk.
 * @example jsonMemberProblem('{"sub":"a","sub":"b"}') // 'duplicate member name "sub"'
 */
export function jsonMemberProblem(text: string): string | null {
  let name: string | null;
  try {
    name = duplicateMember(text);
  } catch (error) {
    if (error instanceof RangeError) return 'the JSON is nested too deeply';
    throw error;
  }
  return name === null
    ? null
    : `duplicate member name ${JSON.stringify(name.length > 32 ? `${name.slice(0, 32)}…` : name)}`;
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
