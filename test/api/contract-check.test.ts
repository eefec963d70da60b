/**
 * The contract at work: requests failing a route's schema answer the one error shape naming the field (with the
 * route's own code), and with `checkResponses` (every HTTP test) a response carrying a field or a status its schema
 * does not declare is refused with 500 naming it, so the OpenAPI document cannot drift from what the code answers.
 */
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorBodySchema } from '../../api/contract/common';
import { installContract } from '../../api/plugins/contract';
import { installErrorHandler } from '../../api/plugins/error-handler';
import { admin, setupZephr, testApp } from './helpers';

async function tinyApp(checkResponses: boolean) {
  const app = Fastify();
  installContract(app, { checkResponses });
  installErrorHandler(app);
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const response = { 200: z.object({ name: z.string() }), 422: ErrorBodySchema };
  typed.get('/declared', { schema: { response } }, async () => ({ name: 'a' }));
  // what a handler might do after a refactor: add a field the schema (and the document) does not know
  typed.get('/leaky', { schema: { response } }, async () => ({ name: 'a', secret: 's' }) as { name: string });
  typed.get('/teapot', { schema: { response } }, async (_request, reply) =>
    reply.status(418 as 200).send({ name: 'a' }),
  );
  await app.ready();
  return app;
}

describe('response checking', () => {
  it('refuses an undeclared field with 500 naming the route when responses are checked', async () => {
    const app = await tinyApp(true);
    expect((await app.inject('/declared')).json()).toEqual({ name: 'a' });
    const leaky = await app.inject('/leaky');
    expect(leaky.statusCode).toBe(500);
    expect(leaky.json().error.code).toBe('CF_INTERNAL');
    expect(leaky.json().error.message).toMatch(/GET \/leaky 200: the response has fields its schema does not declare/);
    await app.close();
  });

  it('refuses an undeclared status when responses are checked', async () => {
    const app = await tinyApp(true);
    const res = await app.inject('/teapot');
    expect(res.statusCode).toBe(500);
    expect(res.json().error.message).toMatch(/answered 418, which its schema does not declare/);
    await app.close();
  });

  it('in production drops what the schema does not declare (nothing undeclared leaks out)', async () => {
    const app = await tinyApp(false);
    const res = await app.inject('/leaky');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'a' });
    await app.close();
  });
});

describe('request validation through the route schemas', () => {
  let app: Awaited<ReturnType<typeof testApp>>['app'];
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, close } = await testApp());
    await setupZephr(app);
  });
  afterAll(async () => close());

  it('names the body field, the query parameter and the path parameter at fault', async () => {
    const body = await app.inject({
      method: 'POST',
      url: '/admin/v1/features',
      headers: admin,
      payload: { id: 'bad id!', name: 'x' },
    });
    expect(body.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.id' });
    const query = await app.inject({ method: 'GET', url: '/admin/v1/features/article/log?limit=0', headers: admin });
    expect(query.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'query.limit' });
    const params = await app.inject({ method: 'GET', url: '/admin/v1/features/article/versions/x', headers: admin });
    expect(params.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'params.version' });
    const batch = await app.inject({ method: 'POST', url: '/v1/decisions', payload: { features: ['article', ''] } });
    expect(batch.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.features.1' });
  });

  it("answers with the route's own code (settings refuse with CF_SETTINGS_INVALID)", async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/admin/v1/settings/recording',
      headers: admin,
      payload: { sampleRate: 2 },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'CF_SETTINGS_INVALID', field: 'body.sampleRate' });
  });

  it('lists the branches of every node kind, yes/no included (also for kinds whose new node is not yet valid)', async () => {
    const types = (await app.inject({ method: 'GET', url: '/admin/v1/node-types', headers: admin })).json() as Array<{
      kind: string;
      terminal: boolean;
      branches: string[];
    }>;
    const byKind = Object.fromEntries(types.map((t) => [t.kind, t]));
    expect(byKind.jwtClaim.branches).toEqual(['yes', 'no']);
    expect(byKind.product.branches).toEqual(['yes', 'no']);
    expect(byKind.request.branches).toEqual(['yes', 'no']);
    expect(byKind.conditions.branches).toEqual(expect.arrayContaining(['yes', 'no']));
    expect(byKind.switch.branches.length).toBeGreaterThan(0);
    expect(byKind.outcome).toMatchObject({ terminal: true, branches: [] });
    for (const t of types) if (!t.terminal) expect(t.branches.length, t.kind).toBeGreaterThan(0);
  });
});
