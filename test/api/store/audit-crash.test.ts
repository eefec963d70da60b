/**
 * kill -9 while admin writes with audit entries are being made (SQLite and PostgreSQL): after every kill, each
 * acknowledged change has its audit entry, and every audit entry has its change: a change and its entry are stored
 * together or not at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../api/store';
import { freshDatabase } from '../../helpers/pg';
import { onLines, spawnFixture } from './helpers';

function runUntilKilled(target: string, acks: number, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawnFixture('audited-loop.ts', [target]);
    const acked: string[] = [];
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    onLines(child, (line) => {
      acked.push(line);
      if (acked.length >= acks && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`audited loop exited ${code}: ${stderr}`));
    });
  });
}

async function checkPairs(store: Store, acked: string[]) {
  const versions = (await store.listVersions('crash')).map((v) => v.version).sort((a, b) => a - b);
  const publishes = (await store.listAudit({ action: 'feature.publish', limit: 100_000 }))
    .map((e) => (e.after as { version: number }).version)
    .sort((a, b) => a - b);
  expect(publishes).toEqual(versions);
  const counter = Number((await store.getSetting('counter')) ?? 0);
  const bumps = (await store.listAudit({ action: 'settings.counter', limit: 100_000 })).map((e) => e.after);
  expect(bumps.length).toBe(counter);
  expect(bumps[0] ?? 0).toBe(counter);
  for (const line of acked) {
    const [kind, n] = line.split(':');
    if (kind === 'version') expect(versions).toContain(Number(n));
    else expect(counter).toBeGreaterThanOrEqual(Number(n));
  }
}

async function crashRounds(target: string, open: () => Promise<Store>) {
  for (const [acks, delayMs] of [
    [1, 0],
    [4, 3],
    [7, 11],
    [3, 23],
  ]) {
    const acked = await runUntilKilled(target, acks, delayMs);
    const store = await open();
    try {
      await checkPairs(store, acked);
    } finally {
      await store.close();
    }
  }
}

describe('audit entries survive kill -9 together with their changes', () => {
  it('SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-audit-crash-'));
    try {
      await crashRounds(dir, () => openStore({ dataDir: dir }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('PostgreSQL', async () => {
    const db = await freshDatabase();
    try {
      await crashRounds(db.url, () => openStore({ databaseUrl: db.url, dataDir: '' }));
    } finally {
      await db.drop();
    }
  }, 90_000);
});
