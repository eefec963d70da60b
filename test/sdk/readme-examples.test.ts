/**
 * Runs the examples of README's "Integrating a site" section, as written, with Node against the real service:
 * the HTTP API, OpenFeature over OFREP, and the local SDK (built first with `npm run build:sdk`'s script, so the
 * example imports the package a site would install).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/service';
import { type Fixture, SECRET, startConfigured, tokens } from '../ofrep/fixture';

const run = promisify(execFile);
const dir = join(ROOT, 'test-artifacts', 'readme-examples');
let fx: Fixture;
let env: Record<string, string>;

/** The `// example: <file>` js blocks of the section, by file name. */
function examples(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Integrating a site');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const out = new Map<string, string>();
  for (const m of section.matchAll(/```js\n\/\/ example: (\S+)\n([\s\S]*?)```/g)) out.set(m[1], m[2]);
  return out;
}

beforeAll(async () => {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'sdk', 'scripts', 'build.ts'), '--only=js'], {
    cwd: ROOT,
  });
  fx = await startConfigured();
  env = {
    ...(process.env as Record<string, string>),
    CLAIMFLOW_URL: fx.base,
    VISITOR_TOKEN: (await tokens()).customer,
    JWT_SECRET: SECRET,
  };
  mkdirSync(dir, { recursive: true });
}, 90_000);
afterAll(async () => {
  await fx?.close();
});

async function runExample(name: string): Promise<string[]> {
  const code = examples().get(name);
  if (code === undefined) throw new Error(`README has no example ${name}`);
  const file = join(dir, name);
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { cwd: ROOT, env, timeout: 30_000 });
  return stdout.trim().split('\n');
}

describe('README: Integrating a site', () => {
  it('has the three examples', () => {
    expect([...examples().keys()]).toEqual(['http-api.mjs', 'openfeature-ofrep.mjs', 'local-sdk.mjs']);
  });

  it('1. the HTTP API example', async () => {
    expect(await runExample('http-api.mjs')).toEqual(['http: fullArticle (customer, version 1)']);
  });

  it('2. the OpenFeature over OFREP example', async () => {
    expect(await runExample('openfeature-ofrep.mjs')).toEqual(['ofrep: fullArticle (TARGETING_MATCH, version 1)']);
  });

  it('3. the local SDK example (the built package, then its OpenFeature provider), and it exits', async () => {
    expect(await runExample('local-sdk.mjs')).toEqual([
      'sdk: fullArticle (local, version 1)',
      'sdk openfeature: fullArticle',
    ]);
  });
});
