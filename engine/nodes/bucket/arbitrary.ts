/** Property-test generator of valid `bucket` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { VOCABULARY } from '../lib/arbitraries';
import type { bucketDataSchema } from './definition';

export const bucketArbitrary: fc.Arbitrary<z.input<typeof bucketDataSchema>> = fc
  .subarray([...VOCABULARY.bucketIds], { minLength: 1 })
  .map((ids) => ({ buckets: ids.map((id) => ({ id, weight: 1 })) }));
