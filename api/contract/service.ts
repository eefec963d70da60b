/** Hygiene routes: liveness, readiness, Prometheus metrics. Pure zod. */
import { z } from 'zod';
import { route } from './common';

const tags = ['service'];

const ReadinessCheck = z.object({
  ok: z.boolean(),
  kind: z.string(),
  ms: z.number().optional(),
  detail: z.string().nullable().optional(),
  url: z.string().optional(),
  lastSuccessAt: z.string().nullable().optional(),
  lastFailure: z.unknown().optional(),
});

export const ReadinessSchema = z
  .object({
    ready: z.boolean(),
    store: z.string().describe('sqlite or postgres'),
    features: z.number().int().describe('features loaded'),
    checks: z.object({ store: ReadinessCheck, keySet: ReadinessCheck }),
  })
  .meta({ id: 'Readiness' });

export const serviceRoutesContract = {
  health: route({
    operationId: 'health',
    summary: 'The process is up',
    tags,
    access: 'public',
    ok: { 200: z.object({ ok: z.literal(true) }) },
  }),
  ready: route({
    operationId: 'ready',
    summary: 'Ready to serve: the store schema answers a real query and the key set is usable',
    tags,
    access: 'public',
    ok: { 200: ReadinessSchema, 503: ReadinessSchema },
  }),
  metrics: route({
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tags,
    access: 'public',
    ok: {
      200: {
        description: 'Prometheus text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      } as unknown as z.ZodString,
    },
  }),
};
