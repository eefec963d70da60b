/**
 * The SDK ships declarations: `npm run build:sdk` bundles sdk/dist/types.d.ts (index.d.ts and openfeature.d.ts
 * re-export from it, so a client made by one entry is accepted by the other), and a TypeScript
 * site that imports `@claimflow/sdk` (the workspace package, resolved through its `exports`) type-checks with the
 * compiler's Node 16+ module resolution, gets the real types (a wrong option is a compile error, a decision's fields
 * are typed), and no declaration reaches into the repository's sources.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/service';

const run = promisify(execFile);
const dir = join(ROOT, 'test-artifacts', 'sdk-types');
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

beforeAll(() => {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'sdk', 'scripts', 'build.ts'), '--only=types'], {
    cwd: ROOT,
  });
  mkdirSync(dir, { recursive: true });
}, 180_000);

/** Type-checks one consumer file as a site's own project would (strict, NodeNext); answers the compiler's output. */
async function typeCheck(name: string, code: string): Promise<{ ok: boolean; output: string }> {
  const file = join(dir, name);
  writeFileSync(file, code);
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
  args.push('--skipLibCheck', 'false', '--types', 'node', file);
  try {
    await run(process.execPath, [tsc, ...args], { cwd: ROOT, timeout: 120_000 });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
  }
}

describe('SDK declarations', () => {
  it('bundles the declarations without paths into the repository; each entry re-exports its names', () => {
    const bundle = readFileSync(join(ROOT, 'sdk', 'dist', 'types.d.ts'), 'utf8');
    expect(bundle).toMatch(/export declare class ClaimflowClient/);
    expect(bundle).not.toMatch(/from ['"]\.\.?\//); // no relative imports: everything of ours is inlined
    expect(readFileSync(join(ROOT, 'sdk', 'dist', 'index.d.ts'), 'utf8')).toMatch(
      /createClaimflowClient.*'\.\/types\.js'/,
    );
    expect(readFileSync(join(ROOT, 'sdk', 'dist', 'openfeature.d.ts'), 'utf8')).toMatch(
      /ClaimflowProvider.*'\.\/types\.js'/,
    );
  });

  it('a TypeScript site type-checks against @claimflow/sdk and @claimflow/sdk/openfeature', async () => {
    const good = await typeCheck(
      'site.mts',
      [
        "import { createClaimflowClient, type LocalDecision } from '@claimflow/sdk';",
        "import { ClaimflowProvider } from '@claimflow/sdk/openfeature';",
        "const client = createClaimflowClient({ url: 'http://127.0.0.1:3000', secret: 'x'.repeat(32) });",
        'await client.ready();',
        "const d: LocalDecision = await client.decide('article', { token: null, context: { contentId: 'a-1' } });",
        'const decision: string | null = d.decision;',
        'const provider = new ClaimflowProvider(client);',
        'console.log(decision, provider.metadata.name);',
        '',
      ].join('\n'),
    );
    expect(good.output).toBe('');
    expect(good.ok).toBe(true);
  }, 150_000);

  it('the types are real: a wrong option and a wrong field are compile errors', async () => {
    const bad = await typeCheck(
      'wrong.mts',
      [
        "import { createClaimflowClient } from '@claimflow/sdk';",
        'const client = createClaimflowClient({ url: 42 });',
        "const d = await client.decide('article', {});",
        'const n: number = d.decision;',
        '',
      ].join('\n'),
    );
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/wrong\.mts\(2,\d+\): error TS2322/);
    expect(bad.output).toMatch(/wrong\.mts\(4,\d+\): error TS2322/);
  }, 150_000);
});
