/**
 * /readyz on the real service (child process): each check in the body; a store whose schema cannot be queried (real
 * PostgreSQL, schema dropped) and a JWKS URL never fetched successfully make it 503; JWKS fetch metrics.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/pg';
import { type Service, startService } from '../helpers/service';
import { makeKeys, type TestKeys } from './auth/fixtures';
import { type JwksServer, startJwksServer } from './auth/jwks-server';
import { ADMIN_KEY, SECRET, tempDir } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(s: Service, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      'x-claimflow-admin-key': ADMIN_KEY,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

let keys: TestKeys;
let jwks: JwksServer;
beforeAll(async () => {
  keys = await makeKeys();
  jwks = await startJwksServer({ kind: 'status', status: 500 });
});
afterAll(async () => jwks.close());

describe('/readyz with the embedded store', () => {
  it('reports each check; a JWKS URL never fetched successfully is 503 until a fetch succeeds', async () => {
    const data = tempDir('cf-ready-');
    const env = { CLAIMFLOW_DATA_DIR: data.dir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY };
    let service = await startService(env);
    try {
      const first = await call(service, 'GET', '/readyz');
      expect(first.status).toBe(200);
      expect(first.json()).toMatchObject({
        ready: true,
        store: 'sqlite',
        checks: { store: { ok: true, kind: 'sqlite' }, keySet: { ok: true, kind: 'none' } },
      });
      const hs = await call(service, 'PUT', '/admin/v1/settings/jwt', {
        key: { kind: 'secret', secret: SECRET },
        algorithms: ['HS256'],
      });
      expect(hs.status).toBe(200);
      expect((await call(service, 'GET', '/readyz')).json().checks.keySet).toMatchObject({ ok: true, kind: 'secret' });

      // The identity provider is down when the JWKS URL is saved: saved, but not ready.
      jwks.behaviour = { kind: 'status', status: 500 };
      const saved = await call(service, 'PUT', '/admin/v1/settings/jwt', {
        key: { kind: 'jwksUrl', url: jwks.url, cooldownMs: 200 },
        algorithms: ['RS256'],
      });
      expect(saved.status).toBe(200);
      expect(saved.json().keySet.ready).toBe(false);
      await sleep(250); // past the failure backoff, so readiness tries again
      const down = await call(service, 'GET', '/readyz');
      expect(down.status).toBe(503);
      expect(down.json()).toMatchObject({
        ready: false,
        checks: {
          store: { ok: true },
          keySet: { ok: false, kind: 'jwksUrl', url: jwks.url, lastSuccessAt: null },
        },
      });
      expect(down.json().checks.keySet.detail).toMatch(/never fetched successfully.*HTTP 500/);

      // A restart does not make it ready either: the key set was still never fetched.
      await service.stop();
      service = await startService(env);
      expect((await call(service, 'GET', '/readyz')).status).toBe(503);

      jwks.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1] } };
      await sleep(250);
      const up = await call(service, 'GET', '/readyz');
      expect(up.status).toBe(200);
      expect(up.json().checks.keySet).toMatchObject({ ok: true, kind: 'jwksUrl', lastFailure: expect.any(String) });
      const fetchedAt = Date.parse(up.json().checks.keySet.lastSuccessAt);
      expect(Math.abs(Date.now() - fetchedAt)).toBeLessThan(60_000);

      const metrics = (await call(service, 'GET', '/metrics')).text;
      expect(metrics).toMatch(/claimflow_jwks_fetches_total\{result="http_error"\} [1-9]/);
      expect(metrics).toMatch(/claimflow_jwks_fetches_total\{result="success"\} 1\n/);
      const gauge = /claimflow_jwks_last_success_timestamp_seconds ([\d.e+]+)/.exec(metrics);
      expect(Number(gauge?.[1]) * 1000).toBeCloseTo(fetchedAt, -3);
    } finally {
      await service.stop();
      data.cleanup();
    }
  }, 60_000);
});

describe('/readyz with PostgreSQL', () => {
  it('is 503 naming the store when the schema cannot be queried (database back, but empty)', async () => {
    const db = await freshDatabase();
    const service = await startService({
      DATABASE_URL: db.url,
      CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
      CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-ready-unused'),
    });
    try {
      const ok = await call(service, 'GET', '/readyz');
      expect(ok.status).toBe(200);
      expect(ok.json().checks.store).toMatchObject({ ok: true, kind: 'postgres' });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query('DROP SCHEMA public CASCADE');
      await client.query('CREATE SCHEMA public');
      await client.end();
      const empty = await call(service, 'GET', '/readyz');
      expect(empty.status).toBe(503);
      expect(empty.json()).toMatchObject({ ready: false, checks: { store: { ok: false, kind: 'postgres' } } });
      expect(empty.json().checks.store.detail).toMatch(/schema cannot be queried.*does not exist/);
    } finally {
      await service.stop();
      await db.drop();
    }
  }, 60_000);
});
