/** `trial` ("Trial meter"): allowed while the visitor has uses left in the period, else exhausted. */
import { z } from 'zod';
import { COMPARISON_OPERATORS, compareCondition } from '../lib/conditions';
import { isValidTimeZone } from '../lib/time-zone';
import { defineNode } from '../node-definition';
import { parsePeriod, periodExpiry, windowStart } from './period';

export const trialDataSchema = z
  .object({
    allowance: z
      .number()
      .int('the allowance is a whole number')
      .min(1, 'the allowance must be at least 1')
      .max(1_000_000),
    period: z.string().min(1).max(64),
    counting: z.enum(['uniqueContent', 'pageViews']).default('uniqueContent'),
    tracker: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'tracker names use letters, digits and _ . : -')
      .optional(),
    timeZone: z.string().default('UTC'),
  })
  .superRefine((data, ctx) => {
    const p = parsePeriod(data.period);
    if (!p.ok) ctx.addIssue({ code: 'custom', path: ['period'], message: p.error });
    if (!isValidTimeZone(data.timeZone))
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone "${data.timeZone}"` });
  });

export type TrialData = z.infer<typeof trialDataSchema>;

export const trialNode = defineNode({
  kind: 'trial',
  label: 'Trial meter',
  description: 'Lets a visitor through a number of times per period (e.g. 3 articles per 30 days), then exhausted.',
  dataSchema: trialDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  visitorState: {
    meter: (data, nodeId, featureId) => {
      const parsed = parsePeriod(data.period);
      if (!parsed.ok) throw new TypeError(`trial node ${nodeId} has an unvalidated period`);
      const period = parsed.period;
      return {
        nodeId,
        tracker: data.tracker ?? `${featureId}:${nodeId}`,
        allowance: data.allowance,
        counting: data.counting,
        spendingBranch: 'allowed',
        exhaustedBranch: 'exhausted',
        windowStart: (now) => windowStart(period, now, data.timeZone),
        expiresAt: (start, now) => periodExpiry(period, start, now),
        setState: (facts, allowed) => {
          facts.trials[nodeId] = allowed ? 'allowed' : 'exhausted';
        },
      };
    },
  },
  defaultData: () => ({ allowance: 3, period: 'P30D', counting: 'uniqueContent' }),
  branches: () => ['allowed', 'exhausted'],
  condition: (_data, branch, nodeId) => {
    const allowed = compareCondition('trials', [nodeId], 'equals', 'allowed');
    return branch === 'allowed' ? allowed : { not: allowed };
  },
  prepare: (data, nodeId) => ({
    tested: `trial meter ${data.tracker ?? nodeId} (${data.allowance} per ${data.period})`,
    test: (facts) => {
      const state = Object.hasOwn(facts.trials, nodeId) ? facts.trials[nodeId] : undefined;
      return { branch: state === 'allowed' ? 'allowed' : 'exhausted', value: state ?? 'exhausted' };
    },
  }),
});
