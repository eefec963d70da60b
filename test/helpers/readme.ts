/**
 * The README's runnable examples: ```js blocks whose first line is `// example: <file name>`. Tests write one to
 * `test-artifacts/readme-examples/<file name>` and run it with Node, so the README cannot drift from the service.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './service';

/** The examples of the README, by file name, in order; only those under `## <section>` when a section is named. */
export function readmeExamples(section?: string): Map<string, string> {
  let text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  if (section !== undefined) {
    const start = text.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`README has no section "## ${section}"`);
    const end = text.indexOf('\n## ', start + 1);
    text = text.slice(start, end === -1 ? undefined : end);
  }
  const out = new Map<string, string>();
  for (const m of text.matchAll(/```js\n\/\/ example: (\S+)\n([\s\S]*?)```/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

/** Writes the example `name` (from `section` when given) under test-artifacts and returns the file's path. */
export function writeReadmeExample(name: string, section?: string): string {
  const code = readmeExamples(section).get(name);
  if (code === undefined) throw new Error(`README has no example ${name}${section ? ` under "## ${section}"` : ''}`);
  const dir = join(ROOT, 'test-artifacts', 'readme-examples');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, code);
  return file;
}
