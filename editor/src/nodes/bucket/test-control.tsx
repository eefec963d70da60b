/**
 * The Test tab's bucket picker for a split test: it shows the bucket the test visitor lands in, and choosing another
 * picks a visitor id that lands in it (keeping every other split test's bucket when one can).
 */
import { assignBucket } from '../../../../engine';
import type { DraftData, TestControlProps, TestControlSpec, TestNode } from '../spec';

interface Split {
  id: string;
  testId: string;
  buckets: { id: string; label?: string; weight: number }[];
}

/** The buckets a visitor can land in: those of positive weight. */
const liveBuckets = (data: DraftData<'bucket'>): Split['buckets'] =>
  (Array.isArray(data.buckets) ? data.buckets : []).filter((b) => Number(b.weight) > 0);

const splitOf = (node: TestNode<'bucket'>): Split => ({
  id: node.id,
  testId: typeof node.data.testId === 'string' && node.data.testId ? node.data.testId : node.id,
  buckets: liveBuckets(node.data),
});

/** A visitor id that lands in `bucket` of `node` and keeps every other split test's current bucket if it can. */
function visitorFor(nodes: Split[], node: string, bucket: string, current: string): string | null {
  const keep = new Map(nodes.map((n) => [n.id, assignBucket(current, n.testId, n.buckets)]));
  keep.set(node, bucket);
  for (const strict of [true, false])
    for (let i = 1; i <= 20_000; i++) {
      const id = `visitor-${i}`;
      const ok = nodes.every((n) =>
        n.id === node || strict ? assignBucket(id, n.testId, n.buckets) === keep.get(n.id) : true,
      );
      if (ok) return id;
    }
  return null;
}

function BucketTestControl({ node, peers, visitor, onState }: TestControlProps<'bucket'>) {
  const split = splitOf(node);
  const current = assignBucket(visitor, split.testId, split.buckets);
  return (
    <label className="field">
      <span className="field-label">Bucket of {node.name}</span>
      <select
        data-testid={`test-bucket-${node.id}`}
        value={current}
        onChange={(e) => {
          const id = visitorFor(peers.map(splitOf), node.id, e.target.value, visitor);
          if (id) onState({ visitorId: id });
        }}
      >
        {split.buckets.map((b) => (
          <option key={b.id} value={b.id}>
            {b.label ?? b.id}
          </option>
        ))}
      </select>
      <span className="field-hint">choosing a bucket picks a visitor id that lands in it</span>
    </label>
  );
}

export const bucketTestControl: TestControlSpec<'bucket'> = {
  shows: (data) => liveBuckets(data).length > 0,
  Control: BucketTestControl,
};
