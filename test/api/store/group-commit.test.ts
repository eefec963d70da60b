/** The group-commit batcher behind meter writes: how it gathers, answers and fails batches. */
import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../api/store/meters/group-commit';

describe('groupCommit', () => {
  it('gathers concurrent requests into one write and answers each with its own result, in order', async () => {
    const writes: number[][] = [];
    const g = groupCommit<number, string>({
      write: async (batch) => {
        writes.push(batch);
        return batch.map((n) => `r${n}`);
      },
    });
    expect(await Promise.all([1, 2, 3, 4].map((n) => g.submit(n)))).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(writes).toEqual([[1, 2, 3, 4]]);
    expect(g.stats()).toEqual({ batches: 1, requests: 4 });
  });

  it('caps a batch at maxBatch and keeps at most maxInFlight writes running; the rest wait for the next', async () => {
    const writes: number[][] = [];
    let running = 0;
    let peak = 0;
    const g = groupCommit<number, number>({
      maxBatch: 3,
      maxInFlight: 1,
      write: async (batch) => {
        running++;
        peak = Math.max(peak, running);
        writes.push(batch);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return batch;
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => g.submit(n)))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(writes).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(peak).toBe(1);
  });

  it('answers nobody before the write finished', async () => {
    let finish: (v: string[]) => void = () => undefined;
    const g = groupCommit<string, string>({ write: (batch) => new Promise((r) => (finish = () => r(batch))) });
    let answered = false;
    const p = g.submit('a').then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    finish([]);
    await p;
    expect(answered).toBe(true);
  });

  it('a failed write rejects every request of its batch, and the next batch still runs', async () => {
    let fail = true;
    const g = groupCommit<number, number>({
      write: async (batch) => {
        if (fail) throw new Error('commit failed');
        return batch;
      },
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => g.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason.message)).toEqual([
      'commit failed',
      'commit failed',
      'commit failed',
    ]);
    fail = false;
    expect(await g.submit(4)).toBe(4);
  });

  it('a write answering the wrong number of results rejects the whole batch (never a wrong answer)', async () => {
    const g = groupCommit<number, number>({ write: async (batch) => batch.slice(1) });
    const outcomes = await Promise.allSettled([1, 2].map((n) => g.submit(n)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });
});
