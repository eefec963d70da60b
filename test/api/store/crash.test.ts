/**
 * kill -9 mid-publish with a real child process (SQLite): after every kill, each acknowledged version is present and
 * intact, versions are contiguous 1..N, the feature points at N, the change log has exactly N entries, and the
 * database passes SQLite's integrity check, so no half-written version exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../api/store';
import { bigGraph } from './fixtures/big-graph';
import { onLines, spawnFixture } from './helpers';

/** Runs the publish loop until `acks` new acknowledgements, waits `delayMs` more, then SIGKILLs it. */
function runUntilKilled(dataDir: string, acks: number, delayMs: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const child = spawnFixture('publish-loop.ts', [dataDir]);
    const acked = new Map<number, number>();
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    onLines(child, (line) => {
      const [version, n] = line.split(':').map(Number);
      acked.set(version, n);
      if (acked.size >= acks && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`publish loop exited ${code}: ${stderr}`));
    });
  });
}

describe('crash safety (SQLite)', () => {
  it('keeps every acknowledged version intact across repeated kill -9 at different moments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-crash-'));
    try {
      const acknowledged = new Map<number, number>();
      let previous = 0;
      for (const [acks, delayMs] of [
        [1, 0],
        [3, 2],
        [6, 9],
        [10, 17],
        [4, 33],
      ]) {
        const acked = await runUntilKilled(dir, acks, delayMs);
        expect(acked.size).toBeGreaterThanOrEqual(acks);
        for (const [v, n] of acked) acknowledged.set(v, n);

        const store = await openSqliteStore({ dataDir: dir });
        try {
          const versions = (await store.listVersions('crash')).map((v) => v.version).sort((a, b) => a - b);
          const top = versions.length;
          expect(versions).toEqual(Array.from({ length: top }, (_, i) => i + 1));
          expect(top).toBeGreaterThanOrEqual(Math.max(previous, ...acknowledged.keys()));
          expect((await store.getFeature('crash'))?.publishedVersion).toBe(top);
          expect((await store.getPublished('crash'))?.version).toBe(top);
          expect(await store.getChangeSeq()).toBe(top);
          expect((await store.changesSince(0)).map((c) => c.version)).toEqual(versions);
          for (const [version, n] of acknowledged) {
            const row = await store.getVersion('crash', version);
            expect(row, `acknowledged version ${version}`).not.toBeNull();
            expect(row?.graph).toEqual(bigGraph(n));
            expect(row?.compiled).toEqual({ n });
            expect(row?.note).toBe(`n${n}`);
          }
          for (const version of versions) {
            // Including one committed just before the kill but not yet printed: whole, never partial.
            const row = await store.getVersion('crash', version);
            if (!row) throw new Error(`version ${version} is listed but cannot be read`);
            const n = (row.graph as { n: number }).n;
            expect(row.graph).toEqual(bigGraph(n));
            expect(row.compiled).toEqual({ n });
          }
          previous = top;
        } finally {
          await store.close();
        }
        const raw = new Database(join(dir, 'claimflow.db'));
        try {
          expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
          expect(raw.pragma('foreign_key_check')).toEqual([]);
        } finally {
          raw.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
