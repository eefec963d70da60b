/** Property-test generator of valid `userState` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import type { userStateDataSchema } from './definition';

export const userStateArbitrary: fc.Arbitrary<z.input<typeof userStateDataSchema>> = fc.constant({});
