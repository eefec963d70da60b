/** Property-test generator of valid `jwtClaim` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { comparison, VOCABULARY } from '../lib/arbitraries';
import type { jwtClaimDataSchema } from './definition';

export const jwtClaimArbitrary: fc.Arbitrary<z.input<typeof jwtClaimDataSchema>> = fc
  .tuple(fc.constantFrom(...VOCABULARY.claims), comparison)
  .map(([property, c]) => ({ property, ...c }));
