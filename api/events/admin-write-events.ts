/**
 * Announces the publishes and rollbacks made through today's admin routes (`POST /admin/v1/features/:id/publish` and
 * `/rollback`) once they answered 201, from the answer itself, without touching those routes. When publishing per
 * environment lands (issue 14 part A) the feature service emits these events itself and this hook goes away.
 */
import type { FastifyInstance } from 'fastify';
import type { EventEmitter } from './emitter';
import { DEFAULT_ENVIRONMENT } from './event-types';

const PUBLISH = '/admin/v1/features/:id/publish';
const ROLLBACK = '/admin/v1/features/:id/rollback';

export function emitOnAdminWrites(app: FastifyInstance, events: EventEmitter): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    if (request.method !== 'POST' || reply.statusCode !== 201 || (url !== PUBLISH && url !== ROLLBACK)) return payload;
    if (typeof payload !== 'string') return payload;
    const featureId = (request.params as { id: string }).id;
    const body = (request.body ?? {}) as { note?: string };
    const answer = JSON.parse(payload) as { version: number; rolledBackFrom?: number };
    const author = request.principal?.name ?? 'admin';
    void (url === PUBLISH
      ? events.emit({
          type: 'feature.published',
          data: { featureId, environment: DEFAULT_ENVIRONMENT, version: answer.version, author, note: body.note ?? '' },
        })
      : events.emit({
          type: 'feature.rolled_back',
          data: {
            featureId,
            environment: DEFAULT_ENVIRONMENT,
            version: answer.version,
            rolledBackFrom: answer.rolledBackFrom ?? 0,
            author,
          },
        }));
    return payload;
  });
}
