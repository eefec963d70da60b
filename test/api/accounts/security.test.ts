/**
 * Sign-in, sessions, CSRF, brute-force limits, privilege escalation, API tokens, the audit log and secrets, through
 * the admin API of a real app (SQLite in a temp folder).
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED_HEADERS } from '../../../api/app';
import { admin, setupZephr, testApp, zephrGraph } from '../helpers';
import { createToken, createUser, PASSWORD, setCookie, signIn } from './helpers';

let ctx: Awaited<ReturnType<typeof testApp>>;
let logs: string;
beforeEach(async () => {
  logs = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  ctx = await testApp({
    logger: { level: 'trace', stream, redact: { paths: REDACTED_HEADERS, censor: '[redacted]' } },
    accounts: { signInLimit: { perAccount: 3, perAddress: 6, windowMs: 60_000 } },
  });
});
afterEach(async () => ctx?.close());

describe('password sign-in and session cookies', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie with an expiry, Secure only behind HTTPS', async () => {
    await createUser(ctx.app, 'ada@example.com', 'editor');
    const { res } = await signIn(ctx.app, 'ada@example.com');
    const c = setCookie(res, 'cf_session');
    expect(c).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(c?.secure).toBeFalsy();
    expect(c?.expires).toBeInstanceOf(Date);
    expect(new Date(c?.expires ?? 0).getTime()).toBeGreaterThan(Date.now() + 3_600_000);
    expect(res.json()).toMatchObject({ principal: { type: 'user', email: 'ada@example.com', role: 'editor' } });

    const https = await testApp({ trustProxy: true });
    try {
      await createUser(https.app, 'ada@example.com', 'editor');
      const r = await https.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { email: 'ada@example.com', password: PASSWORD },
      });
      expect(setCookie(r, 'cf_session')?.secure).toBe(true);
      expect(setCookie(r, 'cf_csrf')?.secure).toBe(true);
    } finally {
      await https.close();
    }
  });

  it('says only "email or password is wrong" for an unknown email and for a wrong password', async () => {
    await createUser(ctx.app, 'ada@example.com', 'editor');
    for (const payload of [
      { email: 'nobody@example.com', password: PASSWORD },
      { email: 'ada@example.com', password: 'wrong password!' },
    ]) {
      const res = await ctx.app.inject({ method: 'POST', url: '/admin/v1/session', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({
        code: 'CF_SIGNIN_FAILED',
        message: 'the email or the password is wrong',
      });
      expect(setCookie(res, 'cf_session')).toBeUndefined();
    }
  });

  it('gives a new session id at sign-in whatever cookie the request brought (no fixation)', async () => {
    await createUser(ctx.app, 'ada@example.com', 'editor');
    const planted = 'attacker-chosen-session-id';
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      headers: { cookie: `cf_session=${planted}` },
      payload: { email: 'ada@example.com', password: PASSWORD },
    });
    const issued = setCookie(res, 'cf_session')?.value;
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    const withPlanted = await ctx.app.inject({
      method: 'GET',
      url: '/admin/v1/session',
      headers: { cookie: `cf_session=${planted}` },
    });
    expect(withPlanted.json().error.code).toBe('CF_SESSION_INVALID');

    // Signing in again from a signed-in browser replaces the old session instead of keeping it alive.
    const first = await signIn(ctx.app, 'ada@example.com');
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      headers: { cookie: first.cookie },
      payload: { email: 'ada@example.com', password: PASSWORD },
    });
    expect(setCookie(again, 'cf_session')?.value).not.toBe(first.session);
    const old = await ctx.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: first.cookie } });
    expect(old.statusCode).toBe(401);
  });

  it('ends the session at sign-out, and every session of the user at a password change', async () => {
    await createUser(ctx.app, 'ada@example.com', 'editor');
    const a = await signIn(ctx.app, 'ada@example.com');
    const b = await signIn(ctx.app, 'ada@example.com');
    const who = await ctx.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: a.cookie } });
    expect(who.json()).toMatchObject({ principal: { email: 'ada@example.com' } });

    const out = await ctx.app.inject({
      method: 'DELETE',
      url: '/admin/v1/session',
      headers: { cookie: a.cookie, 'x-csrf-token': a.csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(setCookie(out, 'cf_session')?.value).toBe('');
    const after = await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: { cookie: a.cookie } });
    expect(after.json().error.code).toBe('CF_SESSION_INVALID');

    const c = await signIn(ctx.app, 'ada@example.com');
    const changed = await ctx.app.inject({
      method: 'PUT',
      url: '/admin/v1/session/password',
      headers: { cookie: c.cookie, 'x-csrf-token': c.csrfToken },
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.statusCode).toBe(200);
    for (const old of [b, c]) {
      const res = await ctx.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: old.cookie } });
      expect(res.statusCode).toBe(401);
    }
    const renewed = setCookie(changed, 'cf_session')?.value;
    const mine = await ctx.app.inject({
      method: 'GET',
      url: '/admin/v1/session',
      headers: { cookie: `cf_session=${renewed}` },
    });
    expect(mine.statusCode).toBe(200);
    await expect(signIn(ctx.app, 'ada@example.com')).rejects.toThrow(/401/);
    await signIn(ctx.app, 'ada@example.com', 'a brand new passphrase');
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request authorized by the session cookie without a valid token', async () => {
    await createUser(ctx.app, 'ed@example.com', 'editor');
    const s = await signIn(ctx.app, 'ed@example.com');
    const create = (headers: Record<string, string>, id: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/admin/v1/features',
        headers: { cookie: s.cookie, ...headers },
        payload: { id, name: id },
      });
    const none = await create({}, 'f1');
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toMatchObject({ code: 'CF_CSRF_INVALID', field: 'x-csrf-token' });
    expect((await create({ 'x-csrf-token': 'forged' }, 'f2')).json().error.code).toBe('CF_CSRF_INVALID');

    // A token of another session (another user) does not hold for this one.
    await createUser(ctx.app, 'eve@example.com', 'editor');
    const eve = await signIn(ctx.app, 'eve@example.com');
    expect((await create({ 'x-csrf-token': eve.csrfToken }, 'f3')).json().error.code).toBe('CF_CSRF_INVALID');

    expect((await create({ 'x-csrf-token': s.csrfToken }, 'f4')).statusCode).toBe(201);
    const fromGet = (
      await ctx.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: s.cookie } })
    ).json().csrfToken;
    expect((await create({ 'x-csrf-token': fromGet }, 'f5')).statusCode).toBe(201);
    const ids = (await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: admin }))
      .json()
      .map((f: { id: string }) => f.id);
    expect(ids).toEqual(['f4', 'f5']);
  });

  it('needs no CSRF token for Bearer tokens and the admin key (not sent by browsers on their own)', async () => {
    const t = await createToken(ctx.app, 'editor');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/features',
      headers: { authorization: `Bearer ${t.token}` },
      payload: { id: 'x', name: 'x' },
    });
    expect(res.statusCode).toBe(201);
  });
});

describe('brute force', () => {
  it('answers 429 with Retry-After after 3 failures for an account, even with the right password', async () => {
    await createUser(ctx.app, 'ada@example.com', 'admin');
    const attempt = (password: string, email = 'ada@example.com') =>
      ctx.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { email, password } });
    for (let i = 0; i < 3; i++) expect((await attempt(`guess ${i}`)).statusCode).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('CF_SIGNIN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(setCookie(limited, 'cf_session')).toBeUndefined();
    // The email's case does not give a fresh counter.
    expect((await attempt(PASSWORD, 'ADA@example.com')).statusCode).toBe(429);
  });

  it('limits failures per client address across accounts', async () => {
    await createUser(ctx.app, 'bob@example.com', 'viewer');
    for (let i = 0; i < 6; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/admin/v1/session',
        payload: { email: `user${i}@example.com`, password: 'nope nope nope' },
      });
      expect(res.statusCode).toBe(401);
    }
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'bob@example.com', password: PASSWORD },
    });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.message).toContain('this address');
  });
});

describe('privilege escalation', () => {
  it('refuses an editor publishing, a viewer creating a token, an editor making itself admin', async () => {
    await setupZephr(ctx.app);
    const ed = await createUser(ctx.app, 'ed@example.com', 'editor');
    await createUser(ctx.app, 'vi@example.com', 'viewer');
    const e = await signIn(ctx.app, 'ed@example.com');
    const v = await signIn(ctx.app, 'vi@example.com');

    const publish = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/publish',
      headers: { cookie: e.cookie, 'x-csrf-token': e.csrfToken },
      payload: {},
    });
    expect(publish.statusCode).toBe(403);
    expect(publish.json().error).toMatchObject({ code: 'CF_FORBIDDEN' });
    expect(publish.json().error.message).toContain('needs the publisher role');

    const token = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/tokens',
      headers: { cookie: v.cookie, 'x-csrf-token': v.csrfToken },
      payload: { name: 'mine', role: 'admin' },
    });
    expect(token.statusCode).toBe(403);
    expect(token.json().error.message).toContain('needs the admin role');

    const promote = await ctx.app.inject({
      method: 'PATCH',
      url: `/admin/v1/users/${ed.id}`,
      headers: { cookie: e.cookie, 'x-csrf-token': e.csrfToken },
      payload: { role: 'admin' },
    });
    expect(promote.statusCode).toBe(403);
    const still = await ctx.app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie: e.cookie } });
    expect(still.json().principal.role).toBe('editor');

    // The role is read on every request: a demotion takes effect on the next one.
    await ctx.app.inject({
      method: 'PATCH',
      url: `/admin/v1/users/${ed.id}`,
      headers: admin,
      payload: { role: 'viewer' },
    });
    const draft = await ctx.app.inject({
      method: 'PUT',
      url: '/admin/v1/features/article/draft',
      headers: { cookie: e.cookie, 'x-csrf-token': e.csrfToken },
      payload: { graph: zephrGraph() },
    });
    expect(draft.statusCode).toBe(403);
  });
});

describe('API tokens', () => {
  it('does not count requests with a valid token or session against the admin-key failure limit', async () => {
    const t = await createToken(ctx.app, 'viewer');
    await createUser(ctx.app, 'vi@example.com', 'viewer');
    const s = await signIn(ctx.app, 'vi@example.com');
    for (let i = 0; i < 25; i++)
      for (const headers of [{ authorization: `Bearer ${t.token}` }, { cookie: s.cookie }])
        expect((await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers })).statusCode).toBe(200);
  });

  it('shows the secret once, stores it hashed, stamps the last use, and refuses it once revoked', async () => {
    const created = await createToken(ctx.app, 'viewer', 'ci');
    expect(created.token).toMatch(/^cft_[A-Za-z0-9_-]{43}$/);
    const list = await ctx.app.inject({ method: 'GET', url: '/admin/v1/tokens', headers: admin });
    expect(list.body).not.toContain(created.token);
    expect(list.json()[0]).toMatchObject({ id: created.id, name: 'ci', role: 'viewer', lastUsedAt: null });

    const bearer = { authorization: `Bearer ${created.token}` };
    expect((await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: bearer })).statusCode).toBe(200);
    const used = (await ctx.app.inject({ method: 'GET', url: '/admin/v1/tokens', headers: admin })).json()[0];
    expect(used.lastUsedAt).not.toBeNull();

    const revoke = await ctx.app.inject({ method: 'DELETE', url: `/admin/v1/tokens/${created.id}`, headers: admin });
    expect(revoke.statusCode).toBe(204);
    const refused = await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: bearer });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('CF_API_TOKEN_INVALID');
    const again = await ctx.app.inject({ method: 'DELETE', url: `/admin/v1/tokens/${created.id}`, headers: admin });
    expect(again.json().error.code).toBe('CF_API_TOKEN_NOT_FOUND');
  });

  it('refuses an expiry in the past and a token past its expiry', async () => {
    const past = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/tokens',
      headers: admin,
      payload: { name: 'old', role: 'viewer', expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.expiresAt' });
    const soon = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/tokens',
      headers: admin,
      payload: { name: 'soon', role: 'viewer', expiresAt: new Date(Date.now() + 1200).toISOString() },
    });
    const bearer = { authorization: `Bearer ${soon.json().token}` };
    expect((await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: bearer })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await ctx.app.inject({ method: 'GET', url: '/admin/v1/features', headers: bearer })).statusCode).toBe(401);
  });
});

describe('audit log and authors', () => {
  it('names who changed what, with a redacted before/after diff, filtered and paged', async () => {
    await setupZephr(ctx.app, { publish: false });
    await createUser(ctx.app, 'pub@example.com', 'publisher');
    const p = await signIn(ctx.app, 'pub@example.com');
    const ci = await createToken(ctx.app, 'publisher', 'ci');
    const pub = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/publish',
      headers: { cookie: p.cookie, 'x-csrf-token': p.csrfToken },
      payload: { note: 'by a person', author: 'someone else' },
    });
    expect(pub.statusCode).toBe(201);
    await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/rollback',
      headers: { authorization: `Bearer ${ci.token}` },
      payload: { version: 1 },
    });
    const versions = (
      await ctx.app.inject({ method: 'GET', url: '/admin/v1/features/article/versions', headers: admin })
    ).json();
    expect(versions.map((v: { author: string }) => v.author)).toEqual(['token:ci', 'pub@example.com']);

    const audit = async (query: string) =>
      (await ctx.app.inject({ method: 'GET', url: `/admin/v1/audit${query}`, headers: admin })).json();
    const all = await audit('');
    const actions = all.entries.map((e: { action: string }) => e.action);
    for (const a of [
      'settings.jwt.update',
      'entitlement.put',
      'product.put',
      'feature.create',
      'feature.draft.save',
      'user.create',
      'session.signin',
      'token.create',
      'feature.publish',
      'feature.rollback',
    ])
      expect(actions).toContain(a);
    const jwt = all.entries.find((e: { action: string }) => e.action === 'settings.jwt.update');
    expect(jwt.actor).toEqual({ type: 'admin-key', id: null, name: 'admin key' });
    expect(jwt.after.key.secret).toBe('[redacted]');
    expect(jwt.changed).toContain('key.kind');
    const published = all.entries.find((e: { action: string }) => e.action === 'feature.publish');
    expect(published).toMatchObject({
      actor: { type: 'user', name: 'pub@example.com' },
      target: 'feature:article',
      before: { publishedVersion: null },
      after: { publishedVersion: 1 },
      changed: ['note', 'publishedVersion'],
    });

    expect((await audit('?actor=ci')).entries.map((e: { action: string }) => e.action)).toEqual(['feature.rollback']);
    expect((await audit('?action=feature.publish')).entries).toHaveLength(1);
    expect((await audit('?target=feature:article')).entries.length).toBeGreaterThanOrEqual(4);
    expect((await audit('?target=product:*')).entries).toHaveLength(1);
    expect((await audit(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).entries).toEqual(
      [],
    );
    const page1 = await audit('?limit=3');
    expect(page1.entries).toHaveLength(3);
    const page2 = await audit(`?limit=3&before=${page1.next}`);
    expect(page2.entries[0].id).toBeLessThan(page1.entries[2].id);
    expect((await audit('?limit=0')).error.code).toBe('CF_REQUEST_INVALID');
    // Append-only through the API: there is no route that changes or deletes entries.
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await ctx.app.inject({ method, url: '/admin/v1/audit', headers: admin });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });
});

describe('secrets', () => {
  it('never puts passwords, session ids, CSRF tokens or API tokens in responses or logs', async () => {
    const password = 'a secret passphrase 42';
    const u = await createUser(ctx.app, 'ada@example.com', 'admin', password);
    const s = await signIn(ctx.app, 'ada@example.com', password);
    const t = await createToken(ctx.app, 'admin', 'ci');
    const bodies: string[] = [];
    for (const url of ['/admin/v1/users', `/admin/v1/users/${u.id}`, '/admin/v1/tokens', '/admin/v1/audit?limit=500'])
      for (const headers of [admin, { authorization: `Bearer ${t.token}` }, { cookie: s.cookie }])
        bodies.push((await ctx.app.inject({ method: 'GET', url, headers })).body);
    await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/session',
      payload: { email: 'ada@example.com', password: 'wrong but logged?' },
    });
    const all = bodies.join('\n');
    for (const secret of [password, s.session, t.token, 'wrong but logged?', 'scrypt$']) {
      expect(all, secret).not.toContain(secret);
      expect(logs, secret).not.toContain(secret);
    }
    expect(logs).toContain('incoming request');
  });
});
