/** Property-test generator of valid `start` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import type { startDataSchema } from './definition';

export const startArbitrary: fc.Arbitrary<z.input<typeof startDataSchema>> = fc.constant({});
