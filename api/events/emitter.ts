/**
 * The event emitter: `emit(event)` queues one signed delivery per enabled webhook subscribed to the event type, in the
 * store (so deliveries survive a restart), and wakes the delivery worker. Emitting never throws into the caller's
 * work: a failure to queue is logged (the change itself already happened).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ReleaseStore } from '../store/release/release-store';
import type { ClaimflowEvent, EventEnvelope } from './event-types';

export interface EventEmitter {
  /** Queues deliveries of `event` to every subscribed webhook; resolves with how many were queued. */
  emit(event: ClaimflowEvent): Promise<number>;
  /** Queues a `webhook.test` delivery to one webhook (enabled or not); resolves with the delivery id. */
  sendTest(webhookId: string): Promise<string>;
}

export function envelope(event: ClaimflowEvent, at = new Date()): EventEnvelope {
  return { id: crypto.randomUUID(), type: event.type, occurredAt: at.toISOString(), data: event.data };
}

export function createEventEmitter(
  release: ReleaseStore,
  options: { log: FastifyBaseLogger; wake: () => void },
): EventEmitter {
  return {
    async emit(event) {
      try {
        const body = JSON.stringify(envelope(event));
        const queued = await release.enqueueDeliveries(event.type, () => ({ id: crypto.randomUUID(), body }));
        if (queued > 0) options.wake();
        return queued;
      } catch (err) {
        options.log.warn({ err, event: event.type }, 'queueing webhook deliveries failed');
        return 0;
      }
    },
    async sendTest(webhookId) {
      const id = crypto.randomUUID();
      const body = JSON.stringify(
        envelope({ type: 'webhook.test', data: { webhookId, message: 'A test delivery from Claimflow.' } }),
      );
      await release.enqueueDeliveries('webhook.test', () => ({ id, body }), webhookId);
      options.wake();
      return id;
    },
  };
}
