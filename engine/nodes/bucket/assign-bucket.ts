/**
 * Sticky split-test assignment: `murmurhash3_32(testId + ":" + visitorId, seed 0) / 2^32` gives a point in [0, 1);
 * buckets own consecutive slices of [0, 1) in their listed order, each as wide as its share of the total weight.
 * A visitor keeps its point forever, so it keeps its bucket while the weights stay. Changing weights only moves
 * the slice boundaries: the visitors that change bucket are exactly those whose point lies between an old and a
 * new boundary (for two buckets, |old share - new share| of visitors, the minimum possible).
 */
import { murmurhash3_32 } from '../lib/murmurhash3';

export interface WeightedBucket {
  id: string;
  weight: number;
}

/** The visitor's point in [0, 1) for a test. */
export function bucketPoint(visitorId: string, testId: string): number {
  return murmurhash3_32(`${testId}:${visitorId}`, 0) / 4294967296;
}

/**
 * @example assignBucket('user-42', 'paywall-copy', [{ id: 'a', weight: 50 }, { id: 'b', weight: 50 }]) // 'a' or 'b'
 */
export function assignBucket(visitorId: string, testId: string, buckets: readonly WeightedBucket[]): string {
  if (buckets.length === 0) throw new TypeError('assignBucket needs at least one bucket');
  let total = 0;
  for (const b of buckets) total += b.weight;
  const target = bucketPoint(visitorId, testId) * total;
  let acc = 0;
  for (const b of buckets) {
    acc += b.weight;
    if (target < acc) return b.id;
  }
  return (buckets[buckets.length - 1] as WeightedBucket).id;
}
