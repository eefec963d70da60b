/** Property-test generator of valid `conditions` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { comparison, subject } from '../lib/arbitraries';
import type { conditionsDataSchema } from './definition';

export const conditionsArbitrary: fc.Arbitrary<z.input<typeof conditionsDataSchema>> = fc.record({
  match: fc.constantFrom('all' as const, 'any' as const),
  conditions: fc.array(
    fc.tuple(subject, comparison).map(([s, c]) => ({ ...s, ...c })),
    { minLength: 1, maxLength: 4 },
  ),
});
