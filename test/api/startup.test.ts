/** Startup failures of the real service (`api/main.ts` as a child process): one line naming the cause, exit 1. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/service';
import { tempDir } from './helpers';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Runs the service until it exits; resolves with its exit code and what it printed. */
function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { dir, cleanup } = tempDir('cf-startup-');
  cleanups.push(cleanup);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CLAIMFLOW_DATA_DIR: dir,
      CLAIMFLOW_ADMIN_KEY: 'startup-test-admin-key-0123456789',
      DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, cause: RegExp) {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^claimflow: cannot start: /);
  expect(lines[0]).toMatch(cause);
  expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.stdout).not.toMatch(/listening on/);
}

describe('startup failures', () => {
  it('port in use', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const port = (taken.address() as { port: number }).port;
    expectOneLine(await start({ PORT: String(port) }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  }, 60_000);

  it('database unreachable, without printing its password', async () => {
    const result = await start({ DATABASE_URL: 'postgres://claimflow:s3cret-pw@127.0.0.1:1/claimflow' });
    expectOneLine(
      result,
      /the database postgres:\/\/claimflow:\*\*\*@127\.0\.0\.1:1\/claimflow cannot be used \(DATABASE_URL\)/,
    );
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
  }, 60_000);

  it('data directory not writable', async () => {
    const { dir, cleanup } = tempDir('cf-startup-file-');
    cleanups.push(cleanup);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const dataDir = join(file, 'data');
    expectOneLine(
      await start({ CLAIMFLOW_DATA_DIR: dataDir }),
      new RegExp(`the data directory ${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not writable`),
    );
  }, 60_000);

  it('bad configuration still names the variable', async () => {
    const result = await start({ CLAIMFLOW_HEADERS_TIMEOUT_MS: '60000', CLAIMFLOW_REQUEST_TIMEOUT_MS: '1000' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'claimflow: bad configuration: CLAIMFLOW_HEADERS_TIMEOUT_MS: the header timeout cannot be longer than the request timeout',
    );
  }, 60_000);
});
