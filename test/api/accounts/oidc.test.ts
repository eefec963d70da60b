/**
 * Single sign-on against a real OpenID provider (oidc-provider) on loopback, with openid-client in the service:
 * first sign-in creates the user with the mapped role, later sign-ins refresh it; a tampered state, a foreign nonce
 * and an expired ID token are refused with CF_OIDC_FAILED and no session.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers';
import { setCookie } from './helpers';

const PUBLIC_URL = 'http://claimflow.test';
const CLIENT = { id: 'claimflow', secret: 'a-client-secret-for-the-loopback-provider' };
const accounts: Record<string, { email: string; name: string; groups: string[] }> = {
  alice: { email: 'alice@example.com', name: 'Alice', groups: ['staff', 'claimflow-publishers'] },
  bob: { email: 'bob@example.com', name: 'Bob', groups: ['staff'] },
};
let signingIn = 'alice';
let server: Server;
let issuer: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${PUBLIC_URL}/admin/v1/session/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email_verified: true, ...accounts[id] }),
    }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['loopback-provider-cookie-key'] },
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      // The person at the provider: signs in as `signingIn` and consents.
      await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: signingIn, clientId: CLIENT.id });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: signingIn }, consent: { grantId } });
      return;
    }
    callback(req, res);
  });
});
afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

const oidcApp = (extra: Record<string, unknown> = {}) =>
  testApp({
    publicUrl: PUBLIC_URL,
    oidc: {
      issuer,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      roleClaim: 'groups',
      roles: { 'claimflow-publishers': 'publisher', 'claimflow-admins': 'admin' },
      defaultRole: null,
      ...extra,
    },
  });

/** Follows the provider's redirects (keeping its cookies) until it sends the browser back to Claimflow. */
async function throughProvider(url: string): Promise<string> {
  const jar = new Map<string, string>();
  let next = url;
  for (let hops = 0; hops < 10; hops++) {
    if (next.startsWith(PUBLIC_URL)) return next;
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`provider stopped at ${next}: ${res.status} ${await res.text()}`);
    next = new URL(location, next).href;
  }
  throw new Error('too many redirects');
}

async function start(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/admin/v1/session/oidc' });
  expect(res.statusCode).toBe(302);
  const flow = setCookie(res, 'cf_oidc');
  expect(flow).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/admin/v1/session/oidc' });
  return { location: res.headers.location as string, cookie: `cf_oidc=${flow?.value}` };
}

const callback = (app: FastifyInstance, back: string, cookie: string) =>
  app.inject({ method: 'GET', url: back.slice(PUBLIC_URL.length), headers: { cookie } });

describe('OpenID Connect sign-in', () => {
  it('creates the user at first sign-in with the mapped role and refreshes the role later', async () => {
    const ctx = await oidcApp();
    try {
      const options = (await ctx.app.inject({ method: 'GET', url: '/admin/v1/session/options' })).json();
      expect(options.oidc).toMatchObject({ start: '/admin/v1/session/oidc' });
      signingIn = 'alice';
      const s = await start(ctx.app);
      const url = new URL(s.location);
      expect(url.origin).toBe(issuer);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const done = await callback(ctx.app, await throughProvider(s.location), s.cookie);
      expect(done.statusCode, done.body).toBe(302);
      expect(done.headers.location).toBe('/');
      const session = setCookie(done, 'cf_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      const who = await ctx.app.inject({
        method: 'GET',
        url: '/admin/v1/session',
        headers: { cookie: `cf_session=${session?.value}` },
      });
      expect(who.json().principal).toMatchObject({ type: 'user', email: 'alice@example.com', role: 'publisher' });

      accounts.alice.groups = ['claimflow-admins'];
      const again = await start(ctx.app);
      const done2 = await callback(ctx.app, await throughProvider(again.location), again.cookie);
      expect(done2.statusCode).toBe(302);
      const users = (
        await ctx.app.inject({
          method: 'GET',
          url: '/admin/v1/users',
          headers: { 'x-claimflow-admin-key': 'test-admin-key-0123456789abcdef' },
        })
      ).json();
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({ email: 'alice@example.com', role: 'admin', hasPassword: false });
      expect(users[0].subject).toBe(`${issuer}|alice`);
    } finally {
      accounts.alice.groups = ['staff', 'claimflow-publishers'];
      await ctx.close();
    }
  });

  it('refuses an account whose claims map to no role when there is no default role', async () => {
    const ctx = await oidcApp();
    try {
      signingIn = 'bob';
      const s = await start(ctx.app);
      const res = await callback(ctx.app, await throughProvider(s.location), s.cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('CF_OIDC_FAILED');
      expect(setCookie(res, 'cf_session')).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const ctx = await oidcApp();
    try {
      signingIn = 'alice';
      const s = await start(ctx.app);
      const back = new URL(await throughProvider(s.location));
      back.searchParams.set('state', 'forged-state');
      const res = await callback(ctx.app, back.href, s.cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('CF_OIDC_FAILED');
      expect(res.json().error.message).toMatch(/state/);
      expect(setCookie(res, 'cf_session')).toBeUndefined();
      // And without the flow cookie at all.
      const other = await start(ctx.app);
      const noCookie = await callback(ctx.app, await throughProvider(other.location), '');
      expect(noCookie.json().error.code).toBe('CF_OIDC_FAILED');
    } finally {
      await ctx.close();
    }
  });

  it('refuses an ID token carrying another nonce', async () => {
    const ctx = await oidcApp();
    try {
      signingIn = 'alice';
      const s = await start(ctx.app);
      const tampered = new URL(s.location);
      tampered.searchParams.set('nonce', 'a-nonce-the-service-never-made');
      const res = await callback(ctx.app, await throughProvider(tampered.href), s.cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('CF_OIDC_FAILED');
      expect(res.json().error.message).toMatch(/nonce/);
      expect(setCookie(res, 'cf_session')).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });

  it('refuses an expired ID token', async () => {
    // The service's clock runs two hours ahead of the provider's: the one-hour ID token is already expired.
    const ctx = await oidcApp({ clockSkewSeconds: 7200 });
    try {
      signingIn = 'alice';
      const s = await start(ctx.app);
      const res = await callback(ctx.app, await throughProvider(s.location), s.cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('CF_OIDC_FAILED');
      expect(res.json().error.message).toMatch(/exp/);
      expect(setCookie(res, 'cf_session')).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });
});

describe('single sign-on not configured', () => {
  it('answers 404 CF_OIDC_NOT_CONFIGURED on both routes, and the sign-in page offers passwords only', async () => {
    const ctx = await testApp();
    try {
      const options = (await ctx.app.inject({ method: 'GET', url: '/admin/v1/session/options' })).json();
      expect(options).toEqual({ password: true, oidc: null });
      for (const url of ['/admin/v1/session/oidc', '/admin/v1/session/oidc/callback?code=c&state=s']) {
        const res = await ctx.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error).toMatchObject({ code: 'CF_OIDC_NOT_CONFIGURED', field: 'oidc' });
        expect(res.json().error.message).toMatch(/CLAIMFLOW_OIDC_ISSUER/);
        expect(setCookie(res, 'cf_oidc')).toBeUndefined();
      }
    } finally {
      await ctx.close();
    }
  });
});
