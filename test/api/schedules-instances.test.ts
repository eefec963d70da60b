/**
 * Scheduled changes on three real API processes sharing one real PostgreSQL: publishes due at the same moment each
 * run exactly once (one version, one audit entry, one schedule.executed webhook delivery each), and a schedule whose
 * time passed while every instance was down runs at the next start and says it ran late.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../api/webhooks/signature';
import { freshDatabase } from '../helpers/pg';
import { type Service, startService } from '../helpers/service';
import { ADMIN_KEY, SECRET, zephrGraph } from './helpers';

let db: { url: string; drop: () => Promise<void> };
let services: Service[] = [];
const env = () => ({
  DATABASE_URL: db.url,
  CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
  CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-release-instances-unused'),
  CLAIMFLOW_SCHEDULE_POLL_MS: '50',
  CLAIMFLOW_SCHEDULE_LATE_MS: '1000',
  CLAIMFLOW_WEBHOOK_POLL_MS: '50',
  CLAIMFLOW_WEBHOOK_BACKOFF_MS: '100',
});
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});

const call = async (s: Service, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      'x-claimflow-admin-key': ADMIN_KEY,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400 && method !== 'GET') throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
};

async function until<T>(fn: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await freshDatabase();
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  services = await Promise.all([startService(env()), startService(env()), startService(env())]);
  const [a] = services;
  await call(a, 'PUT', '/admin/v1/settings/jwt', {
    key: { kind: 'secret', secret: SECRET },
    algorithms: ['HS256'],
    productsClaim: 'prodsub',
  });
  await call(a, 'PUT', '/admin/v1/entitlements/premium', { name: 'Premium' });
  await call(a, 'PUT', '/admin/v1/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  await call(a, 'POST', '/admin/v1/features', { id: 'article', name: 'Article', customerEntitlements: ['premium'] });
  await call(a, 'PUT', '/admin/v1/features/article/draft', { graph: zephrGraph() });
}, 90_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  receiver.close();
  receiver.closeAllConnections();
  await db?.drop();
});

describe('release flow on three instances', () => {
  it('runs each of five scheduled publishes due at the same moment exactly once', async () => {
    const [a, b, c] = services;
    const hook = await call(b, 'POST', '/admin/v1/webhooks', {
      name: 'newsroom',
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/claimflow`,
      events: ['schedule.executed', 'feature.published'],
    });
    const at = DateTime.now()
      .setZone('Europe/Berlin')
      .plus({ milliseconds: 1500 })
      .toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
    const ids: string[] = [];
    for (const s of [a, b, c, a, b])
      ids.push(
        (
          await call(s, 'POST', '/admin/v1/schedules', {
            featureId: 'article',
            action: 'publish',
            at,
            timeZone: 'Europe/Berlin',
          })
        ).id,
      );

    const done = await until(async () => {
      const list = await call(c, 'GET', '/admin/v1/schedules?featureId=article');
      return list.every((s: { status: string }) => s.status === 'done' || s.status === 'failed') ? list : null;
    });
    expect(done.map((s: { status: string; error: string | null }) => [s.status, s.error])).toEqual(
      Array(5).fill(['done', null]),
    );
    const versions = await call(a, 'GET', '/admin/v1/features/article/versions');
    expect(versions).toHaveLength(5);
    for (const id of ids) {
      const marked = versions.filter((v: { note: string }) => v.note.includes(`[scheduled change ${id}]`));
      expect(marked, id).toHaveLength(1);
    }
    const runs = (await call(b, 'GET', '/admin/v1/audit?action=schedule.run&limit=100')).entries;
    expect(runs.map((e: { target: string }) => e.target).sort()).toEqual(ids.map((id) => `schedule:${id}`).sort());

    // one schedule.executed and one feature.published delivery per schedule, each delivered once, signed
    await until(async () => {
      const log = await call(a, 'GET', `/admin/v1/webhooks/${hook.id}/deliveries`);
      return log.length === 10 && log.every((d: { status: string }) => d.status === 'delivered');
    });
    const events = received.map((r) => JSON.parse(r.body));
    expect(
      events
        .filter((e) => e.type === 'schedule.executed')
        .map((e) => e.data.scheduleId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(events.filter((e) => e.type === 'feature.published')).toHaveLength(5);
    expect(new Set(received.map((r) => r.headers['x-claimflow-delivery'])).size).toBe(10);
    for (const r of received)
      expect(verifySignature(hook.secret, r.body, r.headers['x-claimflow-signature'] as string)).toBe(true);
  }, 60_000);

  it('runs a schedule missed while every instance was down at the next start, marked late', async () => {
    const [a] = services;
    const runAt = new Date(Date.now() + 1_500);
    const missed = await call(a, 'POST', '/admin/v1/schedules', {
      featureId: 'article',
      action: 'publish',
      at: runAt.toISOString(),
      timeZone: 'America/Sao_Paulo',
      note: 'while everyone slept',
    });
    await Promise.all(services.map((s) => s.stop()));
    services = [];
    await new Promise((r) => setTimeout(r, Math.max(0, runAt.getTime() + 1_500 - Date.now())));
    // nothing ran it: every instance was down
    services = [await startService(env())];
    const ran = await until(async () => {
      const s = await call(services[0], 'GET', `/admin/v1/schedules/${missed.id}`);
      return s.status === 'done' ? s : null;
    });
    expect(ran.late).toBe(true);
    expect(ran.lateByMs).toBeGreaterThanOrEqual(1_000);
    expect(ran.result).toMatchObject({ version: 6, late: true });
    const v6 = await call(services[0], 'GET', '/admin/v1/features/article/versions/6');
    expect(v6.note).toBe(`while everyone slept [scheduled change ${missed.id}]`);
    await until(() => Promise.resolve(received.some((r) => JSON.parse(r.body).data.scheduleId === missed.id)));
    const event = received.map((r) => JSON.parse(r.body)).find((e) => e.data.scheduleId === missed.id);
    expect(event.data).toMatchObject({ outcome: 'done', late: true, version: 6 });
  }, 60_000);
});
