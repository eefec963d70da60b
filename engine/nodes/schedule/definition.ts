/** `schedule`: is the evaluation time inside a window (after/before), on given weekdays, in a time zone? */
import { z } from 'zod';
import { isValidTimeZone, localParts, WEEKDAYS } from '../lib/time-zone';
import { defineNode } from '../node-definition';

export const scheduleDataSchema = z
  .object({
    after: z.iso.datetime({ offset: true }).optional(),
    before: z.iso.datetime({ offset: true }).optional(),
    days: z.array(z.enum(WEEKDAYS)).max(7).optional(),
    timeZone: z.string().default('UTC'),
  })
  .superRefine((data, ctx) => {
    if (!isValidTimeZone(data.timeZone))
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone "${data.timeZone}"` });
    if (data.after && data.before && Date.parse(data.after) >= Date.parse(data.before))
      ctx.addIssue({ code: 'custom', path: ['before'], message: '"before" must be later than "after"' });
    if (!data.after && !data.before && (!data.days || data.days.length === 0))
      ctx.addIssue({ code: 'custom', path: ['after'], message: 'give a window (after/before) or days of the week' });
  });

export type ScheduleData = z.infer<typeof scheduleDataSchema>;

/** True when `now` (epoch ms) is in [after, before) and on one of `days` in `timeZone`. Missing `now` is false. */
export function inSchedule(now: unknown, data: ScheduleData): boolean {
  if (typeof now !== 'number' || !Number.isFinite(now)) return false;
  if (data.after && now < Date.parse(data.after)) return false;
  if (data.before && now >= Date.parse(data.before)) return false;
  if (data.days && data.days.length > 0) {
    return data.days.includes(localParts(now, data.timeZone).weekday);
  }
  return true;
}

/** The operator value the compiled condition carries (only schedule fields, normalized). */
function window(data: ScheduleData): ScheduleData {
  const out: ScheduleData = { timeZone: data.timeZone };
  if (data.after) out.after = data.after;
  if (data.before) out.before = data.before;
  if (data.days && data.days.length > 0) out.days = [...data.days];
  return out;
}

export const scheduleNode = defineNode({
  kind: 'schedule',
  label: 'Schedule',
  description: 'Yes inside a time window and/or on chosen weekdays, in a time zone.',
  dataSchema: scheduleDataSchema,
  terminal: false,
  operators: { 'cf.schedule': (factValue, jsonValue) => inSchedule(factValue, jsonValue as ScheduleData) },
  defaultData: () => ({ timeZone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
  branches: () => ['yes', 'no'],
  condition: (data, branch) => {
    const yes = { fact: 'now', operator: 'cf.schedule', value: window(data) };
    return branch === 'yes' ? yes : { not: yes };
  },
  prepare: (data) => {
    const w = window(data);
    return {
      tested: `time within ${JSON.stringify(w)}`,
      test: (facts) => ({ branch: inSchedule(facts.now, w) ? 'yes' : 'no', value: facts.now }),
    };
  },
});
