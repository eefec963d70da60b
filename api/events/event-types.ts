/**
 * The events Claimflow announces to webhooks, as pure zod (no Node built-ins: the editor and the OpenAPI document can
 * import them). Every delivery body is `{ id, type, occurredAt, data }` with `data` shaped by the event type.
 */
import { z } from 'zod';

export const DEFAULT_ENVIRONMENT = 'production';

const feature = z.string();
const environment = z.string();
const actor = z.object({ type: z.string(), id: z.string().nullable(), name: z.string() });

/** `data` of each event type. */
export const EventData = {
  'feature.published': z.object({
    featureId: feature,
    environment,
    version: z.number().int(),
    author: z.string(),
    note: z.string(),
  }),
  'feature.promoted': z.object({
    featureId: feature,
    fromEnvironment: environment,
    environment,
    version: z.number().int().nullable(),
    author: z.string(),
  }),
  'feature.rolled_back': z.object({
    featureId: feature,
    environment,
    version: z.number().int(),
    rolledBackFrom: z.number().int(),
    author: z.string(),
  }),
  'schedule.executed': z.object({
    scheduleId: z.string(),
    featureId: feature,
    environment,
    action: z.enum(['publish', 'promote', 'rollback']),
    outcome: z.enum(['done', 'failed']),
    version: z.number().int().nullable(),
    runAt: z.string(),
    ranAt: z.string(),
    late: z.boolean(),
    lateByMs: z.number().int(),
    error: z.string().nullable(),
  }),
  'change_request.opened': changeRequest(),
  'change_request.approved': changeRequest(),
  'change_request.rejected': changeRequest(),
  'change_request.withdrawn': changeRequest(),
  'change_request.applied': changeRequest(),
  'webhook.test': z.object({ webhookId: z.string(), message: z.string() }),
} as const;

function changeRequest() {
  return z.object({
    changeRequestId: z.string(),
    featureId: feature,
    environment,
    action: z.enum(['publish', 'promote', 'rollback']),
    actor,
    comment: z.string().nullable(),
  });
}

export type EventType = keyof typeof EventData;
export const EVENT_TYPES = Object.keys(EventData) as EventType[];
/** The types a webhook can subscribe to (`webhook.test` is sent on request only). */
export const SUBSCRIBABLE_EVENTS = EVENT_TYPES.filter((t) => t !== 'webhook.test') as Exclude<
  EventType,
  'webhook.test'
>[];
export const EventTypeSchema = z.enum(
  SUBSCRIBABLE_EVENTS as [Exclude<EventType, 'webhook.test'>, ...Exclude<EventType, 'webhook.test'>[]],
);

/** One event as emitted: its type and the data of that type. */
export type ClaimflowEvent = { [T in EventType]: { type: T; data: z.infer<(typeof EventData)[T]> } }[EventType];

/** The JSON body of a delivery. */
export interface EventEnvelope {
  id: string;
  type: EventType;
  occurredAt: string;
  data: ClaimflowEvent['data'];
}
