/**
 * The release flow on three real API processes sharing one real PostgreSQL: a site key created on one instance picks
 * its environment on the others, a revoked key is refused everywhere, versions published to staging or promoted to
 * production through one instance are served by the others, and a change request opened on one instance is approved
 * on another (not by its author, not by a viewer) and goes live on the third.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/pg';
import { type Service, startService } from '../helpers/service';
import { ADMIN_KEY, zephrGraph } from './helpers';

let db: { url: string; drop: () => Promise<void> };
let services: Service[] = [];

const call = async (s: Service, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(headers ?? { 'x-claimflow-admin-key': ADMIN_KEY }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

const decide = (s: Service, siteKey?: string) =>
  call(s, 'POST', '/v1/decisions', { feature: 'article' }, siteKey ? { 'x-claimflow-site-key': siteKey } : {});

/** Polls until `check` holds (the instances hear changes through LISTEN/NOTIFY); fails after 10 s. */
async function eventually(what: string, check: () => Promise<boolean>) {
  const until = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function softWallGraph() {
  const g = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = g.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'softWall' };
  return g;
}

beforeAll(async () => {
  db = await freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-release-instances-unused'),
    // a long safety-net refresh: what the test sees comes from the change notifications
    CLAIMFLOW_REFRESH_INTERVAL_MS: '600000',
  };
  services = await Promise.all([startService(env), startService(env), startService(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await db?.drop();
});

describe('release flow on three instances sharing PostgreSQL', () => {
  it('site keys pick the environment on every instance; revocation is refused everywhere', async () => {
    const [a, b] = services;
    await call(a, 'PUT', '/admin/v1/entitlements/premium', { name: 'Premium' });
    await call(a, 'PUT', '/admin/v1/products/gold', {
      name: 'Gold',
      claimValues: ['gold'],
      entitlementIds: ['premium'],
    });
    expect(
      (
        await call(a, 'POST', '/admin/v1/features', {
          id: 'article',
          name: 'Article',
          customerEntitlements: ['premium'],
        })
      ).status,
    ).toBe(201);
    await call(a, 'PUT', '/admin/v1/features/article/draft', { graph: zephrGraph() });
    expect((await call(a, 'POST', '/admin/v1/features/article/publish', { note: 'v1' })).status).toBe(201);

    const staging = await call(b, 'POST', '/admin/v1/site-keys', { name: 'staging site', environment: 'staging' });
    const production = await call(b, 'POST', '/admin/v1/site-keys', { name: 'www', environment: 'production' });
    expect(staging.status).toBe(201);

    // published where the catalogue was written (the others learn catalogue changes at their periodic refresh)
    await call(a, 'PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    expect((await call(a, 'POST', '/admin/v1/features/article/environments/staging/publish', {})).body).toMatchObject({
      status: 'live',
      version: 2,
    });

    for (const s of services) {
      await eventually(`${s.url} serves version 2 to the staging key`, async () => {
        const r = await decide(s, staging.body.key);
        return r.status === 200 && r.body.version === 2;
      });
      expect((await decide(s, staging.body.key)).body.decision).toBe('softWall');
      expect((await decide(s, production.body.key)).body).toMatchObject({ decision: 'registrationWall', version: 1 });
      expect((await decide(s)).body).toMatchObject({ decision: 'registrationWall', version: 1 });
    }

    expect((await call(a, 'DELETE', `/admin/v1/site-keys/${staging.body.id}`)).status).toBe(204);
    for (const s of services)
      await eventually(`${s.url} refuses the revoked key`, async () => {
        const r = await decide(s, staging.body.key);
        return r.status === 401 && r.body.error.code === 'CF_SITE_KEY_INVALID';
      });
    expect((await decide(b, production.body.key)).status).toBe(200);
  });

  it('a change request opened on one instance is approved on another by a second publisher and goes live on all', async () => {
    const [a, b, c] = services;
    await call(a, 'PUT', '/admin/v1/environments/production', { requiresApproval: true });
    const token = async (name: string, role: string) =>
      (await call(a, 'POST', '/admin/v1/tokens', { name, role })).body.token as string;
    const alice = { authorization: `Bearer ${await token('alice', 'publisher')}` };
    const bob = { authorization: `Bearer ${await token('bob', 'publisher')}` };
    const victor = { authorization: `Bearer ${await token('victor', 'viewer')}` };

    const opened = await call(
      a,
      'POST',
      '/admin/v1/features/article/environments/production/promote',
      { from: 'staging' },
      alice,
    );
    expect(opened.status).toBe(202);
    const id = opened.body.changeRequest.id;
    expect((await call(b, 'POST', `/admin/v1/change-requests/${id}/approve`, {}, alice)).body.error.code).toBe(
      'CF_APPROVAL_FORBIDDEN',
    );
    expect((await call(b, 'POST', `/admin/v1/change-requests/${id}/approve`, {}, victor)).body.error.code).toBe(
      'CF_FORBIDDEN',
    );
    expect((await decide(c)).body.version).toBe(1);
    const approved = await call(b, 'POST', `/admin/v1/change-requests/${id}/approve`, { comment: 'ok' }, bob);
    expect(approved.body.changeRequest).toMatchObject({ status: 'applied', appliedVersion: 2 });
    for (const s of services)
      await eventually(`${s.url} serves version 2 in production`, async () => (await decide(s)).body.version === 2);
    expect((await call(c, 'GET', `/admin/v1/change-requests/${id}`, undefined, victor)).body.status).toBe('applied');
  });
});
