/**
 * Change requests with a go-live time, over HTTP against a listening service: the time given when opening or by the
 * approver, an approval after the time going live at once, withdrawing or rejecting an approved request that waits
 * cancelling its scheduled change, and the refusals (no approval needed there, half a time, a time in the past).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openReleaseStore } from '../../api/store/release/release-store';
import { ERRORS } from '../../engine';
import { createToken } from './accounts/helpers';
import { admin, setupZephr, testApp, zephrGraph } from './helpers';

let running: Awaited<ReturnType<typeof testApp>> | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

/** Version 1 live in production (requiring approval), version 2 (anonymous: softWall) live in staging. */
async function serve() {
  running = await testApp({ schedules: { pollMs: 50 } });
  await setupZephr(running.app);
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const address = running.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const graph = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = graph.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'softWall' };
  expect((await call('PUT', '/admin/v1/features/article/draft', { graph })).status).toBe(200);
  expect((await call('POST', '/admin/v1/features/article/environments/staging/publish', {})).status).toBe(201);
  expect((await call('PUT', '/admin/v1/environments/production', { requiresApproval: true })).status).toBe(200);
  const bearer = async (name: string) => ({
    authorization: `Bearer ${(await createToken(running!.app, 'publisher', name)).token}`,
  });
  const people = { alice: await bearer('alice'), bob: await bearer('bob') };
  const production = async () => (await call('POST', '/v1/decisions', { feature: 'article' }, {})).body.decision;
  const promote = (body: Record<string, unknown>) =>
    call(
      'POST',
      '/admin/v1/features/article/environments/production/promote',
      { from: 'staging', ...body },
      people.alice,
    );
  return { call, people, production, promote, dir: running.dir };
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const sleepUntil = (iso: string, extraMs: number) =>
  new Promise((r) => setTimeout(r, Math.max(0, Date.parse(iso) - Date.now()) + extraMs));

function expectError(res: { status: number; body: { error?: { code: string; field?: string } } }, code: string) {
  expect(res.body?.error?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(ERRORS[code as keyof typeof ERRORS].status);
  return res.body.error as { code: string; field?: string };
}

describe('change requests with a go-live time', () => {
  it('the approver gives the time: approved, applied by its scheduled change at the time, once', async () => {
    const { call, people, production, promote } = await serve();
    const opened = await promote({});
    expect(opened.status).toBe(202);
    expect(opened.body.changeRequest.goLive).toBeNull();
    const id = opened.body.changeRequest.id;
    const at = inMs(2_000);
    const approved = await call(
      'POST',
      `/admin/v1/change-requests/${id}/approve`,
      { comment: 'tonight', at, timeZone: 'America/New_York' },
      people.bob,
    );
    expect(approved.status).toBe(200);
    expect(approved.body.outcome).toBeNull();
    const cr = approved.body.changeRequest;
    expect(cr.status).toBe('approved');
    expect(cr.goLive).toMatchObject({ runAt: at, timeZone: 'America/New_York' });
    const schedule = (await call('GET', `/admin/v1/schedules/${cr.goLive.scheduleId}`)).body;
    expect(schedule).toMatchObject({ status: 'pending', changeRequestId: id, action: 'promote', runAt: at });
    expect(await production()).toBe('registrationWall');
    // its schedule is cancelled with the request, not on its own
    const cancel = await call('POST', `/admin/v1/schedules/${cr.goLive.scheduleId}/cancel`, {}, people.bob);
    expect(expectError(cancel, 'CF_REQUEST_INVALID').field).toBe('params.id');

    await expect.poll(production, { timeout: 15_000, interval: 100 }).toBe('softWall');
    await expect
      .poll(async () => (await call('GET', `/admin/v1/schedules/${cr.goLive.scheduleId}`)).body.status)
      .toBe('done');
    const applied = (await call('GET', `/admin/v1/change-requests/${id}`)).body;
    expect(applied).toMatchObject({ status: 'applied', appliedVersion: 2 });
    // once: one promotion in the audit log
    const audit = (await call('GET', '/admin/v1/audit?action=feature.promote')).body;
    expect(audit.entries).toHaveLength(1);
  }, 30_000);

  it('an approval after the go-live time makes the change live at once', async () => {
    const { call, people, production, promote } = await serve();
    const at = inMs(1_500);
    const opened = await promote({ at, timeZone: 'UTC' });
    expect(opened.body.changeRequest.goLive).toMatchObject({ runAt: at, timeZone: 'UTC', scheduleId: null });
    await sleepUntil(at, 100);
    const approved = await call(
      'POST',
      `/admin/v1/change-requests/${opened.body.changeRequest.id}/approve`,
      { comment: 'late' },
      people.bob,
    );
    expect(approved.body.outcome).toMatchObject({ status: 'live', environment: 'production', version: 2 });
    expect(approved.body.changeRequest.status).toBe('applied');
    expect(await production()).toBe('softWall');
  });

  it('withdrawing or rejecting an approved request that waits cancels its schedule; nothing goes live', async () => {
    const { call, people, production, promote } = await serve();
    const at = inMs(2_500);
    const ids: string[] = [];
    for (const note of ['to withdraw', 'to reject']) {
      const opened = await promote({ note, at, timeZone: 'Europe/Berlin' });
      ids.push(opened.body.changeRequest.id);
    }
    const schedules: string[] = [];
    for (const id of ids) {
      const approved = await call('POST', `/admin/v1/change-requests/${id}/approve`, { comment: 'ok' }, people.bob);
      expect(approved.body.changeRequest.status).toBe('approved');
      schedules.push(approved.body.changeRequest.goLive.scheduleId);
    }
    // only the author withdraws; the author cannot reject
    expectError(
      await call('POST', `/admin/v1/change-requests/${ids[0]}/withdraw`, {}, people.bob),
      'CF_APPROVAL_FORBIDDEN',
    );
    expectError(
      await call('POST', `/admin/v1/change-requests/${ids[1]}/reject`, { comment: 'no' }, people.alice),
      'CF_APPROVAL_FORBIDDEN',
    );
    expect((await call('GET', `/admin/v1/schedules/${schedules[0]}`)).body.status).toBe('pending');

    const withdrawn = await call('POST', `/admin/v1/change-requests/${ids[0]}/withdraw`, {}, people.alice);
    expect(withdrawn.body.status).toBe('withdrawn');
    const rejected = await call(
      'POST',
      `/admin/v1/change-requests/${ids[1]}/reject`,
      { comment: 'not now' },
      people.bob,
    );
    expect(rejected.body.status).toBe('rejected');
    for (const s of schedules) expect((await call('GET', `/admin/v1/schedules/${s}`)).body.status).toBe('cancelled');

    await sleepUntil(at, 500); // ten polling intervals past the time
    expect(await production()).toBe('registrationWall');
    expect((await call('GET', `/admin/v1/features/article/environments`)).body.environments).toContainEqual({
      name: 'production',
      default: true,
      version: 1,
    });
    // closed now: withdrawing again is refused
    expectError(
      await call('POST', `/admin/v1/change-requests/${ids[0]}/withdraw`, {}, people.alice),
      'CF_CHANGE_REQUEST_CLOSED',
    );
  }, 30_000);

  it('does not publish twice when an instance died after applying and another takes the expired claim over', async () => {
    const { call, people, dir } = await serve();
    const opened = await call(
      'POST',
      '/admin/v1/features/article/environments/production/publish',
      { note: 'Black Friday', at: inMs(60_000), timeZone: 'UTC' },
      people.alice,
    );
    const id = opened.body.changeRequest.id;
    const approved = await call('POST', `/admin/v1/change-requests/${id}/approve`, { comment: 'ok' }, people.bob);
    const scheduleId = approved.body.changeRequest.goLive.scheduleId;
    // Another instance (sharing the database file) claims the schedule, publishes, and dies before recording either:
    // its claim's lease runs out 300 ms from now.
    const other = openReleaseStore({ dataDir: dir });
    const claimed = await other.claimSchedule(Date.now() + 60_000, 'dead-instance', 300 - 60_000);
    await other.close();
    expect(claimed?.id).toBe(scheduleId);
    await call('PUT', '/admin/v1/environments/production', { requiresApproval: false });
    const published = await call('POST', '/admin/v1/features/article/environments/production/publish', {
      note: `Black Friday [scheduled change ${scheduleId}]`,
    });
    expect(published.status).toBe(201);
    await call('PUT', '/admin/v1/environments/production', { requiresApproval: true });
    const versions = (await call('GET', '/admin/v1/features/article/versions')).body.length;

    await expect
      .poll(async () => (await call('GET', `/admin/v1/schedules/${scheduleId}`)).body.status, { timeout: 10_000 })
      .toBe('done');
    const cr = (await call('GET', `/admin/v1/change-requests/${id}`)).body;
    expect(cr).toMatchObject({ status: 'applied', appliedVersion: published.body.version });
    expect((await call('GET', '/admin/v1/features/article/versions')).body).toHaveLength(versions);
  }, 30_000);

  it('refuses a go-live time where no approval is needed, half a time, and a time in the past', async () => {
    const { call, promote } = await serve();
    const staging = await call('POST', '/admin/v1/features/article/environments/staging/publish', {
      at: inMs(60_000),
      timeZone: 'UTC',
    });
    expect(expectError(staging, 'CF_REQUEST_INVALID').field).toBe('body.at');
    expect(expectError(await promote({ at: inMs(60_000) }), 'CF_REQUEST_INVALID').field).toBe('body.timeZone');
    expect(expectError(await promote({ at: inMs(-60_000), timeZone: 'UTC' }), 'CF_SCHEDULE_TIME_INVALID').field).toBe(
      'body.at',
    );
    expect(
      expectError(await promote({ at: inMs(60_000), timeZone: 'Mars/Olympus' }), 'CF_SCHEDULE_TIME_INVALID').field,
    ).toBe('body.timeZone');
    expect((await call('GET', '/admin/v1/change-requests')).body).toEqual([]);
  });
});
