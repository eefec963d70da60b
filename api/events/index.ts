/**
 * api/events: what Claimflow announces to webhooks. Emit from anywhere that has the app context:
 * `await ctx.events.emit({ type: 'change_request.opened', data: { changeRequestId, featureId, environment, action,
 * actor, comment } })`; the data of each type is checked by TypeScript against `EventData`.
 */
export { type EventEmitter, envelope } from './emitter';
export {
  type ClaimflowEvent,
  DEFAULT_ENVIRONMENT,
  EVENT_TYPES,
  EventData,
  type EventEnvelope,
  type EventType,
  SUBSCRIBABLE_EVENTS,
} from './event-types';
