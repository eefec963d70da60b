/** Property-test generator of valid `schedule` data (test-only: imports fast-check). */
import fc from 'fast-check';
import type { z } from 'zod';
import { WEEKDAYS } from '../lib/time-zone';
import type { scheduleDataSchema } from './definition';

export const scheduleArbitrary: fc.Arbitrary<z.input<typeof scheduleDataSchema>> = fc.record({
  after: fc.option(fc.constant('2026-06-01T00:00:00Z'), { nil: undefined }),
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  timeZone: fc.constantFrom('UTC', 'America/Chicago', 'Asia/Tokyo'),
});
