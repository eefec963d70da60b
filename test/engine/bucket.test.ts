import { describe, expect, it } from 'vitest';
import { assignBucket, compileGraph, murmurhash3_32, prepareEvaluator, validateGraph } from '../../engine';
import { bucketDataSchema, bucketLabel } from '../../engine/nodes/bucket/definition';
import { nodeDefinition } from '../../engine/nodes/registry';
import { facts } from './helpers';

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

describe('bucket labels (stable ids apart from names)', () => {
  const graph = (buckets: unknown[]) => ({
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
      { id: 'split', type: 'bucket', position: { x: 0, y: 0 }, data: { testId: 't', buckets } },
      { id: 'o1', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'one' } },
      { id: 'o2', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'two' } },
    ],
    edges: [
      { id: 'e0', source: 'start', target: 'split', sourceHandle: null },
      { id: 'e1', source: 'split', target: 'o1', sourceHandle: 'b1' },
      { id: 'e2', source: 'split', target: 'o2', sourceHandle: 'b2' },
    ],
  });

  it('branches by id, so renaming a label keeps every edge valid and every decision the same', () => {
    const before = graph([
      { id: 'b1', label: 'Control', weight: 50 },
      { id: 'b2', label: 'Short copy', weight: 50 },
    ]);
    const after = graph([
      { id: 'b1', label: 'Control (long copy)', weight: 50 },
      { id: 'b2', label: 'Video', weight: 50 },
    ]);
    expect(validateGraph(before, { mode: 'publish' }).ok).toBe(true);
    expect(validateGraph(after, { mode: 'publish' }).ok).toBe(true);
    expect(nodeDefinition('bucket').branches(bucketDataSchema.parse(after.nodes[1].data))).toEqual(['b1', 'b2']);
    const a = prepareEvaluator(compileGraph(before));
    const b = prepareEvaluator(compileGraph(after));
    for (const bucket of ['b1', 'b2']) {
      const f = facts({ buckets: { split: bucket } });
      expect(b.evaluate(f).decision).toBe(a.evaluate(f).decision);
    }
  });

  it('keeps graphs saved before labels valid (the id is the label) and refuses two buckets with one name', () => {
    expect(
      validateGraph(
        graph([
          { id: 'b1', weight: 1 },
          { id: 'b2', weight: 1 },
        ]),
        { mode: 'publish' },
      ).ok,
    ).toBe(true);
    expect(bucketLabel({ id: 'b1' })).toBe('b1');
    const dup = validateGraph(
      graph([
        { id: 'b1', label: 'Same', weight: 1 },
        { id: 'b2', label: 'Same', weight: 1 },
      ]),
      { mode: 'publish' },
    );
    expect(dup.problems).toContainEqual(
      expect.objectContaining({ code: 'CF_NODE_DATA_INVALID', nodeId: 'split', field: 'data.buckets.1.label' }),
    );
  });
});
