/**
 * Scheduled changes across environments and the webhook events of the release flow: a scheduled publish to staging,
 * a scheduled promotion to production, and a scheduled rollback into an environment that requires approval, which
 * opens a change request (announced) that a publisher approves (approved, applied and rolled back announced).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from './accounts/helpers';
import { admin, setupZephr, testApp } from './helpers';

let ctx: Awaited<ReturnType<typeof testApp>>;
const events: Array<{ type: string; data: Record<string, unknown> }> = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    events.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  ctx = await testApp({ schedules: { pollMs: 50 }, webhooks: { pollMs: 50 } });
  await setupZephr(ctx.app); // version 1 live in production
  const hook = await call('POST', '/admin/v1/webhooks', {
    name: 'all',
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    events: [
      'feature.published',
      'feature.promoted',
      'feature.rolled_back',
      'schedule.executed',
      'change_request.opened',
      'change_request.approved',
      'change_request.applied',
    ],
  });
  expect(hook.statusCode).toBe(201);
});
afterAll(async () => {
  await ctx?.close();
  receiver.close();
  receiver.closeAllConnections();
});

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers: object = admin) =>
  ctx.app.inject({ method, url, headers: headers as Record<string, string>, ...(payload ? { payload } : {}) });

async function until<T>(fn: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const soon = () => new Date(Date.now() + 300).toISOString();
const ran = (id: string) =>
  until(async () => {
    const s = (await call('GET', `/admin/v1/schedules/${id}`)).json();
    return s.status === 'done' || s.status === 'failed' ? s : null;
  });
const live = async () =>
  Object.fromEntries(
    (
      (await call('GET', '/admin/v1/features/article/environments')).json().environments as Array<{
        name: string;
        version: number;
      }>
    ).map((e) => [e.name, e.version]),
  );
const event = (type: string) => until(async () => events.find((e) => e.type === type));

describe('scheduled changes across environments, announced to webhooks', () => {
  it('publishes to staging, then promotes to production, at their times', async () => {
    const toStaging = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      environment: 'staging',
      at: soon(),
      timeZone: 'Europe/London',
    });
    expect(toStaging.statusCode, toStaging.body).toBe(201);
    expect((await ran(toStaging.json().id)).result).toMatchObject({ version: 2 });
    expect(await live()).toEqual({ staging: 2, production: 1 });
    expect((await event('feature.published')).data).toMatchObject({ environment: 'staging', version: 2 });

    const promote = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'promote',
      fromEnvironment: 'staging',
      environment: 'production',
      at: soon(),
      timeZone: 'UTC',
    });
    expect((await ran(promote.json().id)).result).toMatchObject({ version: 2 });
    expect(await live()).toEqual({ staging: 2, production: 2 });
    expect((await event('feature.promoted')).data).toMatchObject({
      fromEnvironment: 'staging',
      environment: 'production',
      version: 2,
    });
  });

  it('opens a change request when the environment requires approval; approval rolls back and is announced', async () => {
    const put = await call('PUT', '/admin/v1/environments/production', { requiresApproval: true, approvalsNeeded: 1 });
    expect(put.statusCode, put.body).toBe(200);
    const rollback = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'rollback',
      version: 1,
      at: soon(),
      timeZone: 'UTC',
    });
    const done = await ran(rollback.json().id);
    expect(done.status).toBe('done');
    expect(done.result).toMatchObject({ version: null, changeRequestId: expect.any(String) });
    expect(await live()).toEqual({ staging: 2, production: 2 });
    const opened = await event('change_request.opened');
    expect(opened.data).toMatchObject({
      changeRequestId: done.result.changeRequestId,
      environment: 'production',
      action: 'rollback',
      actor: { type: 'system', name: 'scheduled by admin key' },
    });

    const publisher = await createToken(ctx.app, 'publisher', 'reviewer');
    const approve = await call(
      'POST',
      `/admin/v1/change-requests/${done.result.changeRequestId}/approve`,
      { comment: 'ok for Black Friday' },
      { authorization: `Bearer ${publisher.token}` },
    );
    expect(approve.statusCode, approve.body).toBe(200);
    expect(await live()).toEqual({ staging: 2, production: 3 });
    expect((await event('change_request.approved')).data).toMatchObject({ comment: 'ok for Black Friday' });
    expect((await event('change_request.applied')).data).toMatchObject({
      changeRequestId: done.result.changeRequestId,
    });
    expect((await event('feature.rolled_back')).data).toMatchObject({
      environment: 'production',
      version: 3,
      rolledBackFrom: 1,
    });
  });
});
