/**
 * Request and response shapes of `/admin/v1/webhooks` (pure zod, no Node built-ins). The secret is answered once, at
 * creation (and when rotated); listings never carry it.
 */
import { z } from 'zod';
import { EventTypeSchema } from '../events/event-types';
import { NoContent, route } from './common';
import { NoFieldsBody } from './release';

const name = z.string().min(1).max(200);
/** http or https only; whether it points at this service is checked by the server (CF_WEBHOOK_URL_REFUSED). */
const url = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000);
const events = z.array(EventTypeSchema).min(1).max(32);

export const WebhookIdParams = z.object({ id: z.string().min(1).max(100) }).strict();

export const CreateWebhookBody = z.object({ name, url, events, enabled: z.boolean().default(true) }).strict();
export type CreateWebhook = z.infer<typeof CreateWebhookBody>;

export const PatchWebhookBody = z
  .object({
    name: name.optional(),
    url: url.optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
    /** Issue a new secret (answered once in this response). */
    rotateSecret: z.boolean().optional(),
  })
  .strict();

export const WebhookSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof WebhookSchema>;

/** The creation (or rotation) answer: the webhook and its signing secret, shown this once. */
export const WebhookWithSecret = WebhookSchema.extend({ secret: z.string() });

export const DeliveryAttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  /** HTTP status answered by the receiver; null when no answer (timeout, refused connection, refused URL). */
  status: z.number().int().nullable(),
  ms: z.number().int(),
  error: z.string().nullable(),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    event: z.string(),
    /** pending (waiting for its next attempt), sending, delivered, failed (attempts exhausted or URL refused). */
    status: z.enum(['pending', 'sending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    log: z.array(DeliveryAttemptSchema),
    /** The JSON body sent (the same bytes on every attempt). */
    body: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

/** PATCH answer: the webhook, with its new secret when `rotateSecret` was asked (shown this once). */
export const PatchedWebhook = WebhookSchema.extend({ secret: z.string().optional() });

const tags = ['webhooks'];
const params = WebhookIdParams;

export const webhookRoutesContract = {
  list: route({
    operationId: 'listWebhooks',
    summary: 'Webhooks (without their secrets)',
    tags,
    access: 'admin',
    ok: { 200: z.array(WebhookSchema) },
  }),
  create: route({
    operationId: 'createWebhook',
    summary: 'Create a webhook; its signing secret is answered this once',
    tags,
    access: 'admin',
    body: CreateWebhookBody,
    ok: { 201: WebhookWithSecret },
  }),
  get: route({
    operationId: 'getWebhook',
    summary: 'A webhook (without its secret)',
    tags,
    access: 'admin',
    params,
    ok: { 200: WebhookSchema },
    errors: [404],
  }),
  patch: route({
    operationId: 'updateWebhook',
    summary: 'Change a webhook, or rotate its secret (the new one answered this once)',
    tags,
    access: 'admin',
    params,
    body: PatchWebhookBody,
    ok: { 200: PatchedWebhook },
    errors: [404],
  }),
  delete: route({
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook and its delivery log',
    tags,
    access: 'admin',
    params,
    ok: { 204: NoContent },
    errors: [404],
  }),
  deliveries: route({
    operationId: 'listWebhookDeliveries',
    summary: 'The delivery log of a webhook, newest first',
    tags,
    access: 'admin',
    params,
    querystring: DeliveriesQuery,
    ok: { 200: z.array(DeliverySchema) },
    errors: [404],
  }),
  test: route({
    operationId: 'testWebhook',
    summary: 'Queue a signed webhook.test delivery to this webhook',
    tags,
    access: 'admin',
    params,
    body: NoFieldsBody,
    ok: { 202: DeliverySchema },
    errors: [404],
  }),
};
