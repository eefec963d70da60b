/** Runs README's engine example (`// example: engine.ts`) as written, with tsx. */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

const run = promisify(execFile);

describe('README: The engine', () => {
  it('the example validates, compiles and evaluates the Zephr graph, and json-rules-engine agrees', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /```ts\n\/\/ example: engine\.ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    // the example is written as if it sat at the repository root; it runs from test-artifacts/
    const dir = join(root, 'test-artifacts', 'readme-engine');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'engine.ts');
    writeFileSync(file, (code as string).replaceAll("from './engine", "from '../../engine"));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe('true 0 registrationWall true');
  });
});
