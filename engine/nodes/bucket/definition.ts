/** `bucket` ("Split test"): a sticky weighted split; one branch per bucket id. */
import { z } from 'zod';
import { compareCondition } from '../lib/conditions';
import { defineNode } from '../node-definition';

export const BUCKET_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const bucketDataSchema = z
  .object({
    testId: z.string().min(1).max(128).optional(),
    buckets: z
      .array(
        z.object({
          id: z.string().regex(BUCKET_ID, 'bucket ids use letters, digits, _ and - (at most 64)'),
          weight: z.number().positive('weights must be positive').finite(),
        }),
      )
      .min(1, 'add at least one bucket')
      .max(100),
  })
  .superRefine((data, ctx) => {
    const seen = new Set<string>();
    data.buckets.forEach((b, i) => {
      if (seen.has(b.id))
        ctx.addIssue({ code: 'custom', path: ['buckets', i, 'id'], message: `duplicate bucket "${b.id}"` });
      seen.add(b.id);
    });
  });

export const bucketNode = defineNode({
  kind: 'bucket',
  label: 'Split test',
  description: 'Splits visitors between buckets by weight; each visitor always gets the same bucket.',
  dataSchema: bucketDataSchema,
  terminal: false,
  defaultData: () => ({
    buckets: [
      { id: 'a', weight: 50 },
      { id: 'b', weight: 50 },
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
