/**
 * The role matrix: every admin route is called with an API token of every role. A role below the one the route needs
 * gets 403 CF_FORBIDDEN naming that role; a role at or above it gets past the check (whatever the handler then says).
 * The expected table below is the contract: a new admin route fails this test until it is added here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../../api/contract/accounts';
import { testApp } from '../helpers';
import { createToken } from './helpers';

const EXPECTED: Record<string, Role | 'public'> = {
  'GET /admin/v1/session/options': 'public',
  'POST /admin/v1/session': 'public',
  'GET /admin/v1/session/oidc': 'public',
  'GET /admin/v1/session/oidc/callback': 'public',
  'GET /admin/v1/session': 'viewer',
  'DELETE /admin/v1/session': 'viewer',
  'PUT /admin/v1/session/password': 'viewer',
  'GET /admin/v1/users': 'admin',
  'POST /admin/v1/users': 'admin',
  'GET /admin/v1/users/:id': 'admin',
  'PATCH /admin/v1/users/:id': 'admin',
  'DELETE /admin/v1/users/:id': 'admin',
  'GET /admin/v1/tokens': 'admin',
  'POST /admin/v1/tokens': 'admin',
  'DELETE /admin/v1/tokens/:id': 'admin',
  'GET /admin/v1/audit': 'viewer',
  'GET /admin/v1/node-types': 'viewer',
  'GET /admin/v1/settings/jwt': 'viewer',
  'PUT /admin/v1/settings/jwt': 'admin',
  'PATCH /admin/v1/settings/jwt': 'admin',
  'GET /admin/v1/settings/recording': 'viewer',
  'PUT /admin/v1/settings/recording': 'admin',
  'GET /admin/v1/entitlements': 'viewer',
  'PUT /admin/v1/entitlements/:id': 'admin',
  'DELETE /admin/v1/entitlements/:id': 'admin',
  'GET /admin/v1/products': 'viewer',
  'PUT /admin/v1/products/:id': 'admin',
  'DELETE /admin/v1/products/:id': 'admin',
  'GET /admin/v1/features': 'viewer',
  'POST /admin/v1/features': 'editor',
  'GET /admin/v1/features/:id': 'viewer',
  'PATCH /admin/v1/features/:id': 'editor',
  'DELETE /admin/v1/features/:id': 'admin',
  'PUT /admin/v1/features/:id/draft': 'editor',
  'POST /admin/v1/features/:id/validate': 'viewer',
  'POST /admin/v1/features/:id/publish': 'publisher',
  'GET /admin/v1/features/:id/versions': 'viewer',
  'GET /admin/v1/features/:id/versions/:version': 'viewer',
  'GET /admin/v1/features/:id/versions/:version/export': 'viewer',
  'POST /admin/v1/features/:id/rollback': 'publisher',
  'POST /admin/v1/features/:id/test': 'viewer',
  'GET /admin/v1/suites/token-check': 'viewer',
  'GET /admin/v1/features/:id/suites': 'viewer',
  'PUT /admin/v1/features/:id/suites/:suite': 'editor',
  'GET /admin/v1/features/:id/suites/:suite': 'viewer',
  'DELETE /admin/v1/features/:id/suites/:suite': 'editor',
  'POST /admin/v1/features/:id/suites/:suite/run': 'viewer',
  'POST /admin/v1/features/:id/replay': 'viewer',
  'POST /admin/v1/features/:id/impact': 'viewer',
  'GET /admin/v1/features/:id/log': 'viewer',
  'POST /admin/v1/features/:id/log/cases': 'viewer',
  'GET /admin/v1/webhooks': 'admin',
  'POST /admin/v1/webhooks': 'admin',
  'GET /admin/v1/webhooks/:id': 'admin',
  'PATCH /admin/v1/webhooks/:id': 'admin',
  'DELETE /admin/v1/webhooks/:id': 'admin',
  'GET /admin/v1/webhooks/:id/deliveries': 'admin',
  'POST /admin/v1/webhooks/:id/test': 'admin',
  'POST /admin/v1/schedules': 'publisher',
  'GET /admin/v1/schedules': 'viewer',
  'GET /admin/v1/schedules/:id': 'viewer',
  'POST /admin/v1/schedules/:id/cancel': 'publisher',
  'GET /admin/v1/environments': 'viewer',
  'PUT /admin/v1/environments/:env': 'admin',
  'GET /admin/v1/features/:id/environments': 'viewer',
  'POST /admin/v1/features/:id/environments/:env/publish': 'publisher',
  'POST /admin/v1/features/:id/environments/:env/promote': 'publisher',
  'POST /admin/v1/features/:id/environments/:env/rollback': 'publisher',
  'GET /admin/v1/site-keys': 'admin',
  'POST /admin/v1/site-keys': 'admin',
  'DELETE /admin/v1/site-keys/:id': 'admin',
  'GET /admin/v1/change-requests': 'viewer',
  'GET /admin/v1/change-requests/:id': 'viewer',
  'POST /admin/v1/change-requests/:id/approve': 'publisher',
  'POST /admin/v1/change-requests/:id/reject': 'publisher',
  'POST /admin/v1/change-requests/:id/withdraw': 'publisher',
  'POST /admin/v1/change-requests/:id/refresh': 'publisher',
  'POST /admin/v1/change-requests/:id/comments': 'editor',
};

/** Fills route params with ids that do not exist, so an allowed call changes nothing. */
const concrete = (url: string) =>
  url
    .replace(':id', 'no-such-thing')
    .replace(':version', '999')
    .replace(':suite', 'no-such-suite')
    .replace(':env', 'no-such-environment');

describe('roles on every admin route', () => {
  let ctx: Awaited<ReturnType<typeof testApp>>;
  const tokens = {} as Record<Role, string>;
  beforeAll(async () => {
    ctx = await testApp({ adminAuthMaxFailures: 10_000 }); // the unauthenticated sweep must not hit the limit
    for (const role of ROLES) tokens[role] = (await createToken(ctx.app, role)).token;
  });
  afterAll(async () => ctx?.close());

  it('declares a role (or public) on every admin route, as the table says', () => {
    const actual = Object.fromEntries(
      ctx.app.claimflow.adminRoutes.map((r) => [`${r.method} ${r.url}`, r.public ? 'public' : r.role]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it('answers 403 CF_FORBIDDEN naming the role needed exactly when the caller role is weaker', async () => {
    const matrix: string[] = [];
    for (const [route, needed] of Object.entries(EXPECTED)) {
      if (needed === 'public') continue;
      const [method, url] = route.split(' ');
      for (const role of ROLES) {
        const res = await ctx.app.inject({
          method: method as 'GET',
          url: concrete(url),
          headers: { authorization: `Bearer ${tokens[role]}` },
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
        const forbidden = res.statusCode === 403 && res.json().error.code === 'CF_FORBIDDEN';
        const shouldForbid = ROLES.indexOf(role) < ROLES.indexOf(needed);
        matrix.push(`${route} as ${role}: ${forbidden ? 'forbidden' : 'allowed'}`);
        expect(forbidden, `${route} as ${role} (${res.statusCode} ${res.body})`).toBe(shouldForbid);
        expect(res.statusCode, `${route} as ${role}`).not.toBe(401);
        if (forbidden) expect(res.json().error.message).toContain(`needs the ${needed} role`);
      }
    }
    const publicRoutes = Object.values(EXPECTED).filter((needed) => needed === 'public').length;
    expect(matrix.length).toBe((Object.keys(EXPECTED).length - publicRoutes) * ROLES.length);
  });

  it('refuses every non-public admin route without credentials (401)', async () => {
    for (const [route, needed] of Object.entries(EXPECTED)) {
      if (needed === 'public') continue;
      const [method, url] = route.split(' ');
      const res = await ctx.app.inject({ method: method as 'GET', url: concrete(url) });
      expect(res.statusCode, route).toBe(401);
      expect(res.json().error.code, route).toBe('CF_AUTH_REQUIRED');
    }
  });
});
