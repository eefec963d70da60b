/**
 * The trial meter part of a decision answer: for each trial node the decision's path passed, how much of its
 * allowance is left after this decision, so a site can say "2 free articles left this month". Pure zod (no Node
 * built-ins), shared by the decision response contract and the OpenAPI document.
 */
import { z } from 'zod';

export const MeterRemainingSchema = z
  .object({
    node: z.string().describe('id of the trial node passed'),
    tracker: z.string().describe('the tracker it counts on (meters sharing a tracker share counts)'),
    allowance: z.number().int().nonnegative().describe("the node's allowance per window"),
    remaining: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe(
        'uses left in the current window after this decision (0 when exhausted); null when the meter store could not be reached',
      ),
  })
  .strict();

/** Present on a decision whose path passed at least one trial node, in path order. */
export const DecisionMetersSchema = z.array(MeterRemainingSchema);

export type MeterRemaining = z.infer<typeof MeterRemainingSchema>;
