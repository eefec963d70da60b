/** Property-test generator of valid `switch` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { operandList, subject } from '../lib/arbitraries';
import { OPERATORS } from '../lib/compare';
import type { switchDataSchema } from './definition';

export const switchArbitrary: fc.Arbitrary<z.input<typeof switchDataSchema>> = fc
  .tuple(
    subject,
    fc.array(
      fc.constantFrom(...OPERATORS).chain((op) => operandList(op).map((values) => ({ operator: op, values }))),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([s, cases]) => ({ ...s, cases: cases.map((c, i) => ({ ...c, branch: `c${i}` })) }));
