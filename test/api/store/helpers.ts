/** Child processes for the store tests: TypeScript fixtures run by a real `node --import tsx`. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function spawnFixture(script: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Calls `onLine` for every complete stdout line of `child`. */
export function onLines(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): void {
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

export interface RaceResult {
  allowed: number;
  counted: number;
  versions: Array<{ version: number; graph: unknown }>;
}

/**
 * Starts one race worker per job, waits until every one has opened the store, then says "go" to all at once and
 * collects their results.
 */
export async function raceWorkers(jobs: Array<Record<string, unknown>>): Promise<RaceResult[]> {
  const children = jobs.map((job) => spawnFixture('race-worker.ts', [JSON.stringify(job)]));
  const readies: Promise<void>[] = [];
  const results = children.map((child, i) => {
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let markReady: () => void = () => undefined;
    readies.push(new Promise<void>((r) => (markReady = r)));
    return new Promise<RaceResult>((resolve, reject) => {
      let result: RaceResult | null = null;
      onLines(child, (line) => {
        if (line === 'ready') markReady();
        else if (line.startsWith('{')) result = JSON.parse(line) as RaceResult;
      });
      child.on('exit', (code) => {
        if (code === 0 && result) resolve(result);
        else reject(new Error(`race worker ${i} exited ${code}: ${stderr}`));
      });
    });
  });
  // A worker that dies before "ready" must fail the test, not hang it.
  await Promise.race([Promise.all(readies), Promise.all(results)]);
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(results);
}
