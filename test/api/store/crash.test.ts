/** kill -9 mid-publish with a real child process: every acknowledged version survives, none is half written. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../api/store';

const root = join(import.meta.dirname, '..', '..', '..');

function runUntilKilled(dataDir: string, acknowledgements: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'publish-loop.ts'), dataDir],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked = new Map<number, number>();
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [version, n] = line.split(':').map(Number);
        acked.set(version, n);
        if (acked.size >= acknowledgements) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

describe('crash safety (SQLite)', () => {
  it('keeps every acknowledged version intact across repeated kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-crash-'));
    try {
      const acknowledged = new Map<number, number>();
      for (const count of [3, 7, 12]) {
        for (const [v, n] of await runUntilKilled(dir, count)) acknowledged.set(v, n);
        const store = await openSqliteStore({ dataDir: dir });
        try {
          const versions = (await store.listVersions('crash')).map((v) => v.version).sort((a, b) => a - b);
          expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
          expect((await store.getFeature('crash'))?.publishedVersion).toBe(versions[versions.length - 1]);
          for (const [version, n] of acknowledged) {
            const row = await store.getVersion('crash', version);
            if (!row) throw new Error(`acknowledged version ${version} is missing`);
            const g = row.graph as { n: number; nodes: unknown[] };
            expect(g.n).toBe(n);
            expect(g.nodes).toHaveLength(2000);
            expect(row.compiled).toEqual({ n });
          }
          for (const version of versions) {
            const row = await store.getVersion('crash', version);
            if (!row) throw new Error(`version ${version} is missing`);
            expect((row.graph as { nodes: unknown[] }).nodes).toHaveLength(2000);
          }
        } finally {
          await store.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
