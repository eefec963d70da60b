/**
 * `bucket` ("Split test"): a sticky weighted split; one branch per bucket id. A bucket's `id` is stable (it names the
 * branch edges leave by and the value sites see); its optional `label` is what people read and may change freely
 * without touching edges. Graphs saved before labels existed stay valid: the id doubles as the label.
 */
import { z } from 'zod';
import { COMPARISON_OPERATORS, compareCondition } from '../lib/conditions';
import { defineNode } from '../node-definition';
import { assignBucket } from './assign-bucket';

export const BUCKET_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What a person reads for a bucket: its label, else its id. */
export function bucketLabel(bucket: { id: string; label?: string }): string {
  return bucket.label ?? bucket.id;
}

export const bucketDataSchema = z
  .object({
    testId: z.string().min(1).max(128).optional(),
    buckets: z
      .array(
        z.object({
          id: z.string().regex(BUCKET_ID, 'bucket ids use letters, digits, _ and - (at most 64)'),
          label: z
            .string()
            .trim()
            .min(1, 'name the bucket')
            .max(80, 'bucket names have at most 80 characters')
            .optional(),
          weight: z.number().positive('weights must be positive').finite(),
        }),
      )
      .min(1, 'add at least one bucket')
      .max(100),
  })
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    const labels = new Set<string>();
    data.buckets.forEach((b, i) => {
      if (seen.has(b.id))
        ctx.addIssue({ code: 'custom', path: ['buckets', i, 'id'], message: `duplicate bucket "${b.id}"` });
      seen.add(b.id);
      const label = bucketLabel(b);
      if (b.label !== undefined && labels.has(label))
        ctx.addIssue({ code: 'custom', path: ['buckets', i, 'label'], message: `two buckets are named "${label}"` });
      labels.add(label);
    });
  });

export const bucketNode = defineNode({
  kind: 'bucket',
  label: 'Split test',
  description: 'Splits visitors between buckets by weight; each visitor always gets the same bucket.',
  dataSchema: bucketDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  visitorState: {
    // Sticky: the same visitor and test always get the same bucket.
    assign: (data, nodeId, visitorKey, facts) => {
      facts.buckets[nodeId] = assignBucket(visitorKey, data.testId ?? nodeId, data.buckets);
    },
  },
  defaultData: () => ({
    buckets: [
      { id: 'a', label: 'A', weight: 50 },
      { id: 'b', label: 'B', weight: 50 },
    ],
  }),
  branches: (data) => data.buckets.map((b) => b.id),
  condition: (_data, branch, nodeId) => compareCondition('buckets', [nodeId], 'equals', branch),
  prepare: (data, nodeId) => {
    const ids = data.buckets.map((b) => b.id);
    return {
      tested: `split test ${data.testId ?? nodeId}`,
      test: (facts) => {
        const assigned = Object.hasOwn(facts.buckets, nodeId) ? facts.buckets[nodeId] : undefined;
        return { branch: assigned !== undefined && ids.includes(assigned) ? assigned : null, value: assigned };
      },
    };
  },
});
