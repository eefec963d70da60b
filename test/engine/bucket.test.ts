import { describe, expect, it } from 'vitest';
import { assignBucket, murmurhash3_32 } from '../../engine';

const ids = Array.from({ length: 100_000 }, (_, i) => `visitor-${i}`);

function chiSquare(counts: Record<string, number>, weights: { id: string; weight: number }[], n: number): number {
  const total = weights.reduce((s, b) => s + b.weight, 0);
  return weights.reduce((chi, b) => {
    const expected = (n * b.weight) / total;
    return chi + ((counts[b.id] ?? 0) - expected) ** 2 / expected;
  }, 0);
}

describe('murmurhash3_32', () => {
  it('matches the reference vectors of MurmurHash3_x86_32', () => {
    expect(murmurhash3_32('', 0)).toBe(0);
    expect(murmurhash3_32('', 1)).toBe(0x514e28b7);
    expect(murmurhash3_32('hello', 0)).toBe(0x248bfa47);
    expect(murmurhash3_32('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
  });
});

describe('assignBucket', () => {
  it('is sticky: the same visitor and test always get the same bucket', () => {
    const buckets = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ];
    for (const id of ids.slice(0, 100)) expect(assignBucket(id, 't', buckets)).toBe(assignBucket(id, 't', buckets));
  });

  it('matches the weights over 100 000 synthetic ids (chi-square, p > 0.001)', () => {
    const cases = [
      {
        weights: [
          { id: 'control', weight: 50 },
          { id: 'short', weight: 30 },
          { id: 'video', weight: 20 },
        ],
        critical: 13.816, // df 2
      },
      {
        weights: [
          { id: 'a', weight: 1 },
          { id: 'b', weight: 1 },
          { id: 'c', weight: 1 },
          { id: 'd', weight: 1 },
        ],
        critical: 16.266, // df 3
      },
      {
        weights: [
          { id: 'on', weight: 5 },
          { id: 'off', weight: 95 },
        ],
        critical: 10.828, // df 1
      },
    ];
    for (const { weights, critical } of cases) {
      const counts: Record<string, number> = {};
      for (const id of ids) {
        const b = assignBucket(id, 'paywall-copy', weights);
        counts[b] = (counts[b] ?? 0) + 1;
      }
      expect(chiSquare(counts, weights, ids.length), JSON.stringify(counts)).toBeLessThan(critical);
    }
  });

  it('different tests split independently', () => {
    const two = [
      { id: 'x', weight: 1 },
      { id: 'y', weight: 1 },
    ];
    let same = 0;
    for (const id of ids.slice(0, 20_000))
      if (assignBucket(id, 'test-1', two) === assignBucket(id, 'test-2', two)) same++;
    expect(same / 20_000).toBeGreaterThan(0.48);
    expect(same / 20_000).toBeLessThan(0.52);
  });

  it('changing weights moves only the visitors between the old and new boundary', () => {
    const before = [
      { id: 'a', weight: 50 },
      { id: 'b', weight: 50 },
    ];
    const after = [
      { id: 'a', weight: 60 },
      { id: 'b', weight: 40 },
    ];
    let moved = 0;
    for (const id of ids) {
      const from = assignBucket(id, 'exp', before);
      const to = assignBucket(id, 'exp', after);
      if (from !== to) {
        moved++;
        expect([from, to]).toEqual(['b', 'a']); // nobody leaves the bucket that grew
      }
    }
    expect(moved / ids.length).toBeGreaterThan(0.09);
    expect(moved / ids.length).toBeLessThan(0.11);
  });
});
