/** Property-test generator of valid `outcome` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { primitive } from '../lib/arbitraries';
import type { outcomeDataSchema } from './definition';

export const outcomeArbitrary: fc.Arbitrary<z.input<typeof outcomeDataSchema>> = fc.record(
  {
    decision: fc.constantFrom('show', 'paywall', 'register', 'sign-in.again'),
    payload: fc.dictionary(fc.constantFrom('plan', 'tier'), fc.oneof(primitive, fc.array(primitive, { maxLength: 2 }))),
  },
  { requiredKeys: ['decision'] },
);
