/** Property-test generator of valid `product` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { VOCABULARY } from '../lib/arbitraries';
import type { productDataSchema } from './definition';

export const productArbitrary: fc.Arbitrary<z.input<typeof productDataSchema>> = fc.record({
  products: fc.subarray([...VOCABULARY.products], { minLength: 1 }),
  match: fc.constantFrom('any' as const, 'all' as const),
});
