/** Property-test generator of valid `request` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { comparison, VOCABULARY } from '../lib/arbitraries';
import type { requestDataSchema } from './definition';

export const requestArbitrary: fc.Arbitrary<z.input<typeof requestDataSchema>> = fc
  .tuple(fc.constantFrom(...VOCABULARY.requestProperties), comparison)
  .map(([property, c]) => ({ property, ...c }));
