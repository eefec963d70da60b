/**
 * Three real API processes on one real PostgreSQL: the first owner is created with the real command line
 * (`claimflow users create`), a session and an API token work on every instance, and a sign-out or a revocation on
 * one instance is refused at once by the other two (sessions and tokens are checked in the store on every request);
 * failed sign-ins spread over the instances count together.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../helpers/pg';
import { ROOT, type Service, startService } from '../../helpers/service';
import { ADMIN_KEY } from '../helpers';

let db: { url: string; drop: () => Promise<void> };
let services: Service[] = [];
const PASSWORD = 'the first owner passphrase';

const call = async (s: Service, method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  db = await freshDatabase();
  const env = {
    DATABASE_URL: db.url,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    CLAIMFLOW_DATA_DIR: join(tmpdir(), 'cf-instances-unused'),
  };
  services = await Promise.all([startService(env), startService(env), startService(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await db?.drop();
});

describe('people on three instances', () => {
  it('bootstraps the first owner with the CLI, and signs out and revokes at once everywhere', async () => {
    const [a, b, c] = services;
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'claimflow.js'),
        'users',
        'create',
        '--email',
        'owner@example.com',
        '--role',
        'admin',
        '--password-stdin',
      ],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, input: `${PASSWORD}\n`, encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/created admin owner@example.com/);
    expect(cli.stdout).not.toContain(PASSWORD);

    const signIn = await call(a, 'POST', '/admin/v1/session', {}, { email: 'owner@example.com', password: PASSWORD });
    expect(signIn.status).toBe(200);
    const cookies = signIn.headers.getSetCookie().map((h) => h.split(';')[0]);
    const session = { cookie: cookies.join('; ') };
    const csrf = { ...session, 'x-csrf-token': signIn.body.csrfToken as string };
    for (const s of services)
      expect((await call(s, 'GET', '/admin/v1/session', session)).body.principal.role).toBe('admin');

    // A token made through instance B with the session (CSRF token from A holds on B), used on C.
    const made = await call(b, 'POST', '/admin/v1/tokens', csrf, { name: 'ci', role: 'viewer' });
    expect(made.status).toBe(201);
    const bearer = { authorization: `Bearer ${made.body.token}` };
    for (const s of services) expect((await call(s, 'GET', '/admin/v1/features', bearer)).status).toBe(200);
    expect((await call(c, 'DELETE', `/admin/v1/tokens/${made.body.id}`, csrf)).status).toBe(204);
    for (const s of [a, b, c]) {
      const res = await call(s, 'GET', '/admin/v1/features', bearer);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('CF_API_TOKEN_INVALID');
    }

    expect((await call(c, 'DELETE', '/admin/v1/session', csrf)).status).toBe(204);
    for (const s of [a, b, c]) {
      const res = await call(s, 'GET', '/admin/v1/features', session);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('CF_SESSION_INVALID');
    }

    const audit = await call(a, 'GET', '/admin/v1/audit', { 'x-claimflow-admin-key': ADMIN_KEY });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'session.signout',
      'token.revoke',
      'token.create',
      'session.signin',
      'user.create',
    ]);
    expect(audit.body.entries[4].actor).toEqual({ type: 'system', id: null, name: 'cli' });
  }, 60_000);

  it('counts failed sign-ins across instances: failures spread over them still reach the limit', async () => {
    const [a, b, c] = services;
    const key = { 'x-claimflow-admin-key': ADMIN_KEY };
    const made = await call(a, 'POST', '/admin/v1/users', key, {
      email: 'limit@example.com',
      name: 'Limit',
      role: 'viewer',
      password: PASSWORD,
    });
    expect(made.status).toBe(201);
    const attempt = (s: Service, password: string) =>
      call(s, 'POST', '/admin/v1/session', {}, { email: 'limit@example.com', password });
    // Five failures (the per-account limit), spread over the instances: no instance saw more than two.
    for (const s of [a, b, c, a, b]) expect((await attempt(s, 'a wrong guess')).status).toBe(401);
    // The right password on the third instance is refused until the window passes.
    const limited = await attempt(c, PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('CF_SIGNIN_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(a, PASSWORD)).status).toBe(429);
    const failures = await call(b, 'GET', '/admin/v1/audit?action=session.signin.failed', key);
    expect(failures.body.entries).toHaveLength(5);
  }, 60_000);
});
