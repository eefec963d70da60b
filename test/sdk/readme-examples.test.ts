/**
 * Runs the examples of README's "Integrating a site" section, as written, with Node against the real service:
 * the HTTP API, OpenFeature over OFREP, and the local SDK (built first with `npm run build:sdk`'s script, so the
 * example imports the package a site would install).
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExamples, writeReadmeExample } from '../helpers/readme';
import { ROOT } from '../helpers/service';
import { type Fixture, SECRET, startConfigured, tokens } from '../ofrep/fixture';

const run = promisify(execFile);
const SECTION = 'Integrating a site';
let fx: Fixture;
let env: Record<string, string>;

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
}, 90_000);
afterAll(async () => {
  await fx?.close();
});

async function runExample(name: string): Promise<string[]> {
  const file = writeReadmeExample(name, SECTION);
  const { stdout } = await run(process.execPath, [file], { cwd: ROOT, env, timeout: 30_000 });
  return stdout.trim().split('\n');
}

describe('README: Integrating a site', () => {
  it('has the three examples', () => {
    expect([...readmeExamples(SECTION).keys()]).toEqual(['http-api.mjs', 'openfeature-ofrep.mjs', 'local-sdk.mjs']);
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
