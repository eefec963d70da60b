/**
 * Sliding sessions: each use moves a session's expiry (in the store and the cookie) to the idle window from now, never
 * past the absolute maximum from sign-in; an unused session ends after the idle window.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers';
import { createUser, setCookie, signIn } from './helpers';

const IDLE_MS = 3_000;
const MAX_MS = 7_000;
let app: FastifyInstance;
let close: () => Promise<void>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ app, close } = await testApp({ accounts: { sessionTtlMs: IDLE_MS, sessionMaxMs: MAX_MS } }));
  await createUser(app, 'ed@example.com', 'editor');
});
afterAll(async () => close());

const whoAmI = (cookie: string) => app.inject({ method: 'GET', url: '/admin/v1/session', headers: { cookie } });

describe('sliding sessions', () => {
  it('each use extends the session and its cookie, up to the absolute maximum from sign-in', async () => {
    const signedInAt = Date.now();
    const { res, cookie } = await signIn(app, 'ed@example.com');
    const first = Date.parse(res.json().expiresAt);
    expect(first - signedInAt).toBeLessThanOrEqual(IDLE_MS + 1_000);
    await sleep(1_000);
    const used = await whoAmI(cookie);
    expect(used.statusCode).toBe(200);
    const slid = Date.parse(used.json().expiresAt);
    expect(slid).toBeGreaterThan(first);
    // The cookie moves with it.
    expect(setCookie(used, 'cf_session')?.expires?.getTime()).toBeGreaterThan(first);
    expect(setCookie(used, 'cf_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // In use every second, the session outlives its idle window several times, then ends at the maximum.
    let lastOk = Date.now();
    for (;;) {
      await sleep(1_000);
      const r = await whoAmI(cookie);
      if (r.statusCode !== 200) {
        expect(r.statusCode).toBe(401);
        expect(r.json().error.code).toBe('CF_SESSION_INVALID');
        break;
      }
      expect(Date.parse(r.json().expiresAt)).toBeLessThanOrEqual(signedInAt + MAX_MS + 1_000);
      lastOk = Date.now();
      if (lastOk - signedInAt > MAX_MS + 3_000) throw new Error('the session outlived its absolute maximum');
    }
    expect(lastOk - signedInAt).toBeGreaterThan(IDLE_MS);
  }, 30_000);

  it('a session unused for the idle window ends', async () => {
    const { cookie } = await signIn(app, 'ed@example.com');
    expect((await whoAmI(cookie)).statusCode).toBe(200);
    await sleep(IDLE_MS + 500);
    const r = await whoAmI(cookie);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('CF_SESSION_INVALID');
  }, 30_000);
});
