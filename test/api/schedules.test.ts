/**
 * Scheduled changes on one instance (SQLite): times in an IANA zone, refusals (unknown zone, past time, rollback
 * without a version), cancel, a scheduled publish of the draft as it was when scheduled, a scheduled rollback, their
 * audit entries and the schedule.executed webhook event.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReleaseStore } from '../../api/store/release/release-store';
import { admin, setupZephr, testApp } from './helpers';

let ctx: Awaited<ReturnType<typeof testApp>>;
const received: Array<{ type: string; data: Record<string, unknown> }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ctx = await testApp({ schedules: { pollMs: 50, lateAfterMs: 60_000 }, webhooks: { pollMs: 50 } });
  await setupZephr(ctx.app);
  const hook = await call('POST', '/admin/v1/webhooks', {
    name: 'chat',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    events: ['schedule.executed', 'feature.published', 'feature.rolled_back'],
  });
  expect(hook.statusCode).toBe(201);
});
afterAll(async () => {
  await ctx?.close();
  server.close();
  server.closeAllConnections();
});

const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });

async function until<T>(fn: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wall-clock time in `zone`, `ms` from now, as the editor would send it. */
const localIn = (zone: string, ms: number) =>
  DateTime.now().setZone(zone).plus({ milliseconds: ms }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");

describe('scheduled changes', () => {
  it('reads the time in the given IANA zone and refuses bad zones, past times and incomplete requests', async () => {
    const far = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      at: '2099-03-26T02:30',
      timeZone: 'America/New_York',
      note: 'Black Friday',
    });
    expect(far.statusCode).toBe(201);
    expect(far.json()).toMatchObject({
      status: 'pending',
      environment: 'production',
      timeZone: 'America/New_York',
      localTime: '2099-03-26T02:30:00',
      runAt: '2099-03-26T06:30:00.000Z', // EDT: UTC-4
      hasSnapshot: true,
      createdBy: { type: 'admin-key', name: 'admin key' },
    });
    const berlin = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      at: '2099-11-27T00:00',
      timeZone: 'Europe/Berlin',
    });
    expect(berlin.json().runAt).toBe('2099-11-26T23:00:00.000Z'); // CET: UTC+1

    const refused = async (payload: object, status: number, code: string, field: string) => {
      const res = await call('POST', '/admin/v1/schedules', payload);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error).toMatchObject({ code, field });
    };
    const base = { featureId: 'article', action: 'publish', at: '2099-01-01T00:00', timeZone: 'Europe/Paris' };
    await refused({ ...base, timeZone: 'Mars/Olympus' }, 422, 'CF_SCHEDULE_TIME_INVALID', 'body.timeZone');
    await refused({ ...base, at: '2099-02-30T10:00' }, 422, 'CF_SCHEDULE_TIME_INVALID', 'body.at');
    await refused({ ...base, at: '2001-01-01T00:00' }, 422, 'CF_SCHEDULE_TIME_INVALID', 'body.at');
    await refused({ ...base, action: 'rollback' }, 400, 'CF_REQUEST_INVALID', 'body.version');
    await refused({ ...base, version: 99 }, 404, 'CF_VERSION_NOT_FOUND', 'body.version');
    await refused({ ...base, environment: 'moon' }, 404, 'CF_ENVIRONMENT_UNKNOWN', 'body.environment');
    await refused({ ...base, featureId: 'nope' }, 404, 'CF_FEATURE_NOT_FOUND', 'feature');

    // cancel: once; a second cancel is refused
    const cancel = await call('POST', `/admin/v1/schedules/${far.json().id}/cancel`);
    expect(cancel.json().status).toBe('cancelled');
    const again = await call('POST', `/admin/v1/schedules/${far.json().id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CF_SCHEDULE_NOT_PENDING');
    const missing = await call('POST', '/admin/v1/schedules/nope/cancel');
    expect(missing.json().error.code).toBe('CF_SCHEDULE_NOT_FOUND');
    const pending = await call('GET', '/admin/v1/schedules?status=pending');
    expect(pending.json().map((s: { id: string }) => s.id)).toEqual([berlin.json().id]);
    await call('POST', `/admin/v1/schedules/${berlin.json().id}/cancel`);
  });

  it('publishes the draft as it was when scheduled, at its time, then rolls back on schedule', async () => {
    const graph = (await call('GET', '/admin/v1/features/article')).json().draft;
    const scheduled = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      at: localIn('Asia/Kolkata', 700),
      timeZone: 'Asia/Kolkata',
      note: 'midnight offer',
    });
    expect(scheduled.statusCode, scheduled.body).toBe(201);
    // the draft changes after scheduling: the scheduled publish still publishes the captured one
    const changed = structuredClone(graph);
    changed.nodes[0].position = { x: 999, y: 999 };
    await ctx.app.inject({
      method: 'PUT',
      url: '/admin/v1/features/article/draft',
      headers: admin,
      payload: { graph: changed },
    });
    const done = await until(async () => {
      const s = (await call('GET', `/admin/v1/schedules/${scheduled.json().id}`)).json();
      return s.status === 'done' ? s : null;
    });
    expect(done).toMatchObject({ result: { version: 2, late: false }, late: false, error: null });
    expect(Date.parse(done.ranAt)).toBeGreaterThanOrEqual(Date.parse(done.runAt));
    const v2 = (await call('GET', '/admin/v1/features/article/versions/2')).json();
    expect(v2.graph).toEqual(graph);
    expect(v2.note).toBe(`midnight offer [scheduled change ${done.id}]`);
    expect(v2.author).toBe('admin key (scheduled)');

    const rollback = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'rollback',
      version: 1,
      at: new Date(Date.now() + 500).toISOString(),
      timeZone: 'UTC',
    });
    expect(rollback.statusCode, rollback.body).toBe(201);
    const rolled = await until(async () => {
      const s = (await call('GET', `/admin/v1/schedules/${rollback.json().id}`)).json();
      return s.status === 'done' ? s : null;
    });
    expect(rolled.result).toMatchObject({ version: 3, rolledBackFrom: 1 });
    expect((await call('GET', '/admin/v1/features/article')).json().publishedVersion).toBe(3);

    const audit = (await call('GET', '/admin/v1/audit?target=schedule:*')).json().entries;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['schedule.create', 'schedule.cancel', 'schedule.run']),
    );
    const publishAudit = (await call('GET', '/admin/v1/audit?action=feature.publish')).json().entries[0];
    expect(publishAudit.actor).toEqual({ type: 'system', id: done.id, name: 'scheduled by admin key' });

    await until(async () => received.filter((e) => e.type === 'schedule.executed').length === 2);
    expect(received.find((e) => e.type === 'schedule.executed')?.data).toMatchObject({
      scheduleId: done.id,
      featureId: 'article',
      action: 'publish',
      outcome: 'done',
      version: 2,
      late: false,
    });
    await until(async () => received.some((e) => e.type === 'feature.rolled_back'));
    expect(received.find((e) => e.type === 'feature.rolled_back')?.data).toMatchObject({
      version: 3,
      rolledBackFrom: 1,
    });
  });

  it('does not publish twice when an instance died after publishing and another takes the expired claim over', async () => {
    const before = (await call('GET', '/admin/v1/features/article/versions')).json().length;
    const created = await call('POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      at: new Date(Date.now() + 60_000).toISOString(),
      timeZone: 'UTC',
    });
    const id = created.json().id;
    // Another instance (sharing the database file) claims it, publishes it, and dies before recording the run:
    // its claim's lease runs out 300 ms from now.
    const other = openReleaseStore({ dataDir: ctx.dir });
    const now = Date.now();
    const claimed = await other.claimSchedule(now + 60_000, 'dead-instance', 300 - 60_000);
    await other.close();
    expect(claimed?.id).toBe(id);
    const published = await call('POST', '/admin/v1/features/article/publish', {
      note: `by the instance that died [scheduled change ${id}]`,
    });
    expect(published.statusCode).toBe(201);

    const done = await until(async () => {
      const s = (await call('GET', `/admin/v1/schedules/${id}`)).json();
      return s.status === 'done' ? s : null;
    });
    expect(done.result.version).toBe(published.json().version);
    expect((await call('GET', '/admin/v1/features/article/versions')).json()).toHaveLength(before + 1);
  });
});
