/** Property-test generator of valid `trial` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import type { trialDataSchema } from './definition';

export const trialArbitrary: fc.Arbitrary<z.input<typeof trialDataSchema>> = fc.constant({
  allowance: 3,
  period: 'P30D',
});
