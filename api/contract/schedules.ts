/**
 * Request and response shapes of `/admin/v1/schedules`: publish (the draft as it is now, or a version), promote or
 * roll back at a future time given in an IANA time zone (pure zod, no Node built-ins).
 */
import { z } from 'zod';
import { route } from './common';
import { NoFieldsBody } from './release';

export const SCHEDULE_ACTIONS = ['publish', 'promote', 'rollback'] as const;
export const ScheduleActionSchema = z.enum(SCHEDULE_ACTIONS);
const environment = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'an environment name (lower case, at most 32)');

export const CreateScheduleBody = z
  .object({
    featureId: z.string().min(1).max(128),
    action: ScheduleActionSchema,
    environment: environment.optional(),
    /** promote: the environment whose live version is copied. */
    fromEnvironment: environment.optional(),
    /** publish: a version to publish again; absent = the draft as saved now (kept in the schedule). rollback: required. */
    version: z.number().int().min(1).optional(),
    /** Wall-clock time in `timeZone`, e.g. `2026-11-27T00:00` (seconds optional), or an instant with an offset. */
    at: z.string().min(10).max(40),
    /** IANA time zone, e.g. `Europe/Berlin`. */
    timeZone: z.string().min(1).max(64),
    note: z.string().max(2000).default(''),
  })
  .strict();
export type CreateSchedule = z.infer<typeof CreateScheduleBody>;

export const ScheduleIdParams = z.object({ id: z.string().min(1).max(100) }).strict();

export const ScheduleStatusSchema = z.enum(['pending', 'running', 'done', 'failed', 'cancelled']);

export const ListSchedulesQuery = z
  .object({
    featureId: z.string().max(128).optional(),
    status: ScheduleStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const ScheduleSchema = z
  .object({
    id: z.string(),
    featureId: z.string(),
    environment: z.string(),
    action: ScheduleActionSchema,
    version: z.number().int().nullable(),
    /** True when the draft was captured at scheduling time (publish without a version). */
    hasSnapshot: z.boolean(),
    fromEnvironment: z.string().nullable(),
    /** The instant it runs (UTC, ISO-8601), and the wall-clock time and zone it was given in. */
    runAt: z.string(),
    timeZone: z.string(),
    localTime: z.string(),
    note: z.string(),
    status: ScheduleStatusSchema,
    createdBy: z.object({ type: z.string(), id: z.string().nullable(), name: z.string() }),
    createdAt: z.string(),
    ranAt: z.string().nullable(),
    /** How long after `runAt` it ran; `late` when beyond the lateness threshold (e.g. every instance was down). */
    lateByMs: z.number().int().nullable(),
    late: z.boolean(),
    /** What it did: `{ version }` of the publish it made, or why it failed (`error`). */
    result: z
      .looseObject({ version: z.number().int().nullable().optional() })
      .nullable()
      .describe('what it did: the version it made live, or the change request it opened'),
    error: z.string().nullable(),
    /** The approved change request this schedule makes live at its go-live time (null: a plain scheduled change). */
    changeRequestId: z.string().nullable(),
  })
  .meta({ id: 'Schedule' });
export type Schedule = z.infer<typeof ScheduleSchema>;

const tags = ['schedules'];

export const scheduleRoutesContract = {
  create: route({
    operationId: 'createSchedule',
    summary: 'Schedule a publish, promotion or rollback at a time in an IANA time zone',
    tags,
    access: 'admin',
    body: CreateScheduleBody,
    ok: { 201: ScheduleSchema },
    errors: [404],
  }),
  list: route({
    operationId: 'listSchedules',
    summary: 'Scheduled changes, by feature and status',
    tags,
    access: 'admin',
    querystring: ListSchedulesQuery,
    ok: { 200: z.array(ScheduleSchema) },
  }),
  get: route({
    operationId: 'getSchedule',
    summary: 'A scheduled change and what it did',
    tags,
    access: 'admin',
    params: ScheduleIdParams,
    ok: { 200: ScheduleSchema },
    errors: [404],
  }),
  cancel: route({
    operationId: 'cancelSchedule',
    summary: 'Cancel a pending scheduled change',
    tags,
    access: 'admin',
    params: ScheduleIdParams,
    body: NoFieldsBody,
    ok: { 200: ScheduleSchema },
    errors: [404, 409],
  }),
};
