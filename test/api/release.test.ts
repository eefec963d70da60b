/**
 * The release flow over HTTP against a listening service: environments (a version live per environment, publish,
 * promote and rollback per environment), site keys picking the environment (decisions, GET form, OFREP, snapshot),
 * refused keys, CORS from a key's origins, metrics, and change requests with their approval rules.
 */
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../api/config/config';
import { ERRORS } from '../../engine';
import { freshDatabase } from '../helpers/pg';
import { createToken } from './accounts/helpers';
import { admin, setupZephr, testApp, zephrGraph } from './helpers';

let running: Awaited<ReturnType<typeof testApp>> | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

async function serve(options: { databaseUrl?: string } = {}) {
  running = await testApp(options);
  await setupZephr(running.app); // version 1 live in production (the default environment)
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const address = running.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  };
  return { app: running.app, url, call };
}

/** The Zephr rule with the anonymous outcome renamed: a visibly different version. */
function softWallGraph() {
  const g = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = g.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'softWall' };
  return g;
}

function expectError(res: { status: number; body: { error?: { code: string; field?: string } } }, code: string) {
  expect(res.body?.error?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(ERRORS[code as keyof typeof ERRORS].status);
  return res.body.error as { code: string; message: string; field?: string };
}

const anonymous = (call: Awaited<ReturnType<typeof serve>>['call'], headers: Record<string, string> = {}) =>
  call('POST', '/v1/decisions', { feature: 'article' }, headers);

describe('environment configuration', () => {
  it('reads CLAIMFLOW_ENVIRONMENTS and CLAIMFLOW_DEFAULT_ENVIRONMENT, refusing a default outside the list', () => {
    const plain = loadConfig({});
    expect(plain.ok && [plain.config.environments, plain.config.defaultEnvironment]).toEqual([
      ['staging', 'production'],
      'production',
    ]);
    const set = loadConfig({ CLAIMFLOW_ENVIRONMENTS: 'dev, qa,live', CLAIMFLOW_DEFAULT_ENVIRONMENT: 'live' });
    expect(set.ok && set.config.environments).toEqual(['dev', 'qa', 'live']);
    const bad = loadConfig({ CLAIMFLOW_ENVIRONMENTS: 'dev,qa' });
    expect(bad.ok ? [] : bad.problems.map((p) => p.field)).toContain('CLAIMFLOW_DEFAULT_ENVIRONMENT');
    const badName = loadConfig({ CLAIMFLOW_ENVIRONMENTS: 'Prod Site,production' });
    expect(badName.ok ? [] : badName.problems.map((p) => p.field)).toContain('CLAIMFLOW_ENVIRONMENTS');
  });
});

describe('environments', () => {
  it('lists the configured environments with the default one, and rejects an unknown one naming the field', async () => {
    const { call } = await serve();
    const list = await call('GET', '/admin/v1/environments');
    expect(list.body).toEqual({
      default: 'production',
      environments: [
        { name: 'staging', default: false, requiresApproval: false, approvalsNeeded: 1 },
        { name: 'production', default: true, requiresApproval: false, approvalsNeeded: 1 },
      ],
    });
    const err = expectError(
      await call('POST', '/admin/v1/features/article/environments/qa/publish', {}),
      'CF_ENVIRONMENT_UNKNOWN',
    );
    expect(err.field).toBe('params.env');
    expect(err.message).toContain('staging, production');
  });

  it('keeps existing sites on the version published before (default environment), publishes to staging alone, promotes and rolls back per environment', async () => {
    const { call } = await serve();
    expect((await call('GET', '/admin/v1/features/article/environments')).body.environments).toEqual([
      { name: 'staging', default: false, version: null },
      { name: 'production', default: true, version: 1 },
    ]);
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    const pub = await call('POST', '/admin/v1/features/article/environments/staging/publish', { note: 'soft wall' });
    expect(pub.status).toBe(201);
    expect(pub.body).toMatchObject({ status: 'live', environment: 'staging', version: 2 });

    const key = await call('POST', '/admin/v1/site-keys', { name: 'staging site', environment: 'staging' });
    expect(key.status).toBe(201);
    const staging = { 'x-claimflow-site-key': key.body.key };

    // production (no key) still answers version 1; staging answers version 2
    expect((await anonymous(call)).body).toMatchObject({ decision: 'registrationWall', version: 1 });
    expect((await anonymous(call, staging)).body).toMatchObject({ decision: 'softWall', version: 2 });
    // the GET form takes the key as a query parameter
    const get = await call('GET', `/v1/decisions/article?siteKey=${encodeURIComponent(key.body.key)}`, undefined, {});
    expect(get.body).toMatchObject({ decision: 'softWall', version: 2 });

    // promotion: the version live in staging goes live in production, same number
    const promoted = await call('POST', '/admin/v1/features/article/environments/production/promote', {
      from: 'staging',
    });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ status: 'live', environment: 'production', version: 2 });
    expect((await anonymous(call)).body).toMatchObject({ decision: 'softWall', version: 2 });
    expect((await call('GET', '/admin/v1/features/article')).body.publishedVersion).toBe(2);

    // rollback in staging only: a new version 3 made from version 1
    const back = await call('POST', '/admin/v1/features/article/environments/staging/rollback', { version: 1 });
    expect(back.body).toMatchObject({ status: 'live', environment: 'staging', version: 3, rolledBackFrom: 1 });
    expect((await anonymous(call, staging)).body).toMatchObject({ decision: 'registrationWall', version: 3 });
    expect((await anonymous(call)).body).toMatchObject({ decision: 'softWall', version: 2 });

    const audit = await call('GET', '/admin/v1/audit?action=feature.promote');
    expect(audit.body.entries[0]).toMatchObject({
      action: 'feature.promote',
      target: 'feature:article',
      before: { publishedVersion: 1 },
      after: { environment: 'production', version: 2, from: 'staging' },
    });
  });

  it.each(['sqlite', 'postgres'])(
    'refuses to delete a product that only a version live in staging names (%s)',
    async (kind) => {
      const db = kind === 'postgres' ? await freshDatabase() : null;
      onTestFinished(async () => {
        await running?.close();
        running = null;
        await db?.drop();
      });
      const { call } = await serve({ databaseUrl: db?.url });
      await call('PUT', '/admin/v1/products/silver', {
        name: 'Silver',
        claimValues: ['silver'],
        entitlementIds: ['premium'],
      });
      const g = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
      const gold = g.nodes.find((n) => n.id === 'gold');
      if (gold) gold.data = { products: ['silver'], match: 'any' };
      await call('PUT', '/admin/v1/features/article/draft', { graph: g });
      await call('POST', '/admin/v1/features/article/environments/staging/publish', {});
      await call('PUT', '/admin/v1/features/article/draft', { graph: zephrGraph() }); // the draft no longer names it
      const refused = await call('DELETE', '/admin/v1/products/silver');
      expectError(refused, 'CF_PRODUCT_IN_USE');
      expect(refused.body.error.problems).toEqual({ features: [{ feature: 'article', draft: false, versions: [2] }] });
    },
  );

  it('refuses promotion from an environment where nothing is live, and from itself', async () => {
    const { call } = await serve();
    const none = expectError(
      await call('POST', '/admin/v1/features/article/environments/production/promote', { from: 'staging' }),
      'CF_FEATURE_NOT_PUBLISHED',
    );
    expect(none.field).toBe('body.from');
    expectError(
      await call('POST', '/admin/v1/features/article/environments/staging/promote', { from: 'staging' }),
      'CF_REQUEST_INVALID',
    );
  });
});

describe('site keys', () => {
  it('answers 401 CF_SITE_KEY_INVALID for an unknown or revoked key on decisions, OFREP and the snapshot', async () => {
    const { call } = await serve();
    const unknown = { 'x-claimflow-site-key': 'cf_site_nope' };
    expect(expectError(await anonymous(call, unknown), 'CF_SITE_KEY_INVALID').field).toBe('x-claimflow-site-key');
    expect(
      expectError(await call('GET', '/v1/decisions/article?siteKey=cf_site_nope', undefined, {}), 'CF_SITE_KEY_INVALID')
        .field,
    ).toBe('query.siteKey');

    const key = await call('POST', '/admin/v1/site-keys', { name: 'prod site', environment: 'production' });
    const prod = { 'x-claimflow-site-key': key.body.key };
    expect((await anonymous(call, prod)).status).toBe(200);
    expect((await call('GET', '/v1/snapshot', undefined, prod)).status).toBe(200);
    expect(
      (await call('POST', '/ofrep/v1/evaluate/flags/article', { context: { targetingKey: 'v-12345678' } }, prod))
        .status,
    ).toBe(200);

    expect((await call('DELETE', `/admin/v1/site-keys/${key.body.id}`)).status).toBe(204);
    expectError(await anonymous(call, prod), 'CF_SITE_KEY_INVALID');
    expectError(await call('GET', '/v1/snapshot', undefined, prod), 'CF_SITE_KEY_INVALID');
    const ofrep = await call('POST', '/ofrep/v1/evaluate/flags/article', { context: {} }, prod);
    expect(ofrep.status).toBe(401);
    expect(ofrep.body.errorDetails).toContain('CF_SITE_KEY_INVALID');
    expectError(await call('DELETE', `/admin/v1/site-keys/${key.body.id}`), 'CF_SITE_KEY_NOT_FOUND');
    const listed = (await call('GET', '/admin/v1/site-keys')).body;
    expect(listed).toEqual([expect.objectContaining({ id: key.body.id, revokedAt: expect.any(String) })]);
    expectError(await call('POST', '/admin/v1/site-keys', { name: 'x', environment: 'qa' }), 'CF_ENVIRONMENT_UNKNOWN');
  });

  it("serves each environment's versions in OFREP and the snapshot, and counts requests per key in metrics", async () => {
    const { url, call } = await serve();
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    await call('POST', '/admin/v1/features/article/environments/staging/publish', {});
    const key = await call('POST', '/admin/v1/site-keys', { name: 'staging-web', environment: 'staging' });
    const staging = { 'x-claimflow-site-key': key.body.key };

    const snapProd = await call('GET', '/v1/snapshot', undefined, {});
    const snapStaging = await call('GET', '/v1/snapshot', undefined, staging);
    expect(snapProd.body.features.map((f: { version: number }) => f.version)).toEqual([1]);
    expect(snapStaging.body.features.map((f: { version: number }) => f.version)).toEqual([2]);
    expect(snapStaging.body.etag).not.toBe(snapProd.body.etag);

    const ctx = { context: { targetingKey: 'visitor-123456' } };
    expect((await call('POST', '/ofrep/v1/evaluate/flags/article', ctx, {})).body.value).toBe('registrationWall');
    expect((await call('POST', '/ofrep/v1/evaluate/flags/article', ctx, staging)).body.value).toBe('softWall');
    const bulk = await call('POST', '/ofrep/v1/evaluate/flags', ctx, staging);
    expect(bulk.body.flags).toEqual([expect.objectContaining({ key: 'article', value: 'softWall' })]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/claimflow_site_key_requests_total\{site_key="staging-web",environment="staging"\} 3/);
    expect(metrics).toMatch(/claimflow_site_key_requests_total\{site_key="none",environment="production"\} 2/);
  });

  it("gives browsers CORS from the key's own origins", async () => {
    const { url, call } = await serve();
    const site = 'https://staging.example.com';
    const key = await call('POST', '/admin/v1/site-keys', {
      name: 'staging site',
      environment: 'staging',
      origins: [site],
    });
    const preflight = await fetch(`${url}/v1/decisions`, {
      method: 'OPTIONS',
      headers: {
        origin: site,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-claimflow-site-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(site);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-claimflow-site-key');
    const withKey = { origin: site, 'x-claimflow-site-key': key.body.key };
    await call('POST', '/admin/v1/features/article/environments/staging/promote', { from: 'production' });
    const ok = await anonymous(call, withKey);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(site);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    // another origin with this key, and this origin without a key, get no CORS headers
    const other = await anonymous(call, { ...withKey, origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const noKey = await anonymous(call, { origin: site });
    expect(noKey.headers.get('access-control-allow-origin')).toBeNull();
    const evilPreflight = await fetch(`${url}/v1/decisions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('change requests', () => {
  async function withApproval(approvalsNeeded = 1) {
    const s = await serve();
    const set = await s.call('PUT', '/admin/v1/environments/production', { requiresApproval: true, approvalsNeeded });
    expect(set.body.environments[1]).toMatchObject({ name: 'production', requiresApproval: true, approvalsNeeded });
    const author = await createToken(s.app, 'publisher', 'alice');
    const reviewer = await createToken(s.app, 'publisher', 'bob');
    const second = await createToken(s.app, 'publisher', 'carol');
    const viewer = await createToken(s.app, 'viewer', 'victor');
    const as = (t: { token: string }) => ({ authorization: `Bearer ${t.token}` });
    return { ...s, author: as(author), reviewer: as(reviewer), second: as(second), viewer: as(viewer) };
  }

  it('opens a change request instead of publishing, with the diff, suite results and impact; a reviewer approves and it goes live', async () => {
    const { call, author, reviewer, viewer } = await withApproval();
    // a suite and recorded traffic, so the review has results and impact
    await call('PUT', '/admin/v1/settings/recording', { enabled: true, sampleRate: 1 });
    for (let i = 0; i < 3; i++) await anonymous(call);
    // samples are written after the answer: wait until the three are stored
    await expect
      .poll(async () => (await call('GET', '/admin/v1/features/article/log')).body.length, { timeout: 5000 })
      .toBe(3);
    await call('PUT', '/admin/v1/features/article/suites/smoke', {
      name: 'smoke',
      cases: [{ name: 'anonymous', input: {}, expect: { decision: 'registrationWall' } }],
    });
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });

    const opened = await call('POST', '/admin/v1/features/article/publish', { note: 'soft wall' }, author);
    expect(opened.status).toBe(202);
    const cr = opened.body.changeRequest;
    expect(cr).toMatchObject({
      featureId: 'article',
      environment: 'production',
      action: 'publish',
      status: 'open',
      baseVersion: 1,
      author: { type: 'token', name: 'alice' },
      approvals: 0,
      approvalsNeeded: 1,
    });
    expect(cr.review.diff.nodes.changed).toEqual([
      { id: 'regwall', type: 'outcome', before: { decision: 'registrationWall' }, after: { decision: 'softWall' } },
    ]);
    expect(cr.review.suites).toEqual([expect.objectContaining({ suite: 'smoke', total: 1, passed: 0, failed: 1 })]);
    expect(cr.review.impact).toMatchObject({
      total: 3,
      changed: 3,
      transitions: [{ from: 'registrationWall', to: 'softWall', count: 3 }],
    });
    // nothing went live yet
    expect((await anonymous(call)).body.version).toBe(1);
    expect((await call('GET', '/admin/v1/change-requests?status=open', undefined, viewer)).body).toHaveLength(1);

    // the author cannot approve; a viewer cannot approve
    const own = expectError(
      await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, author),
      'CF_APPROVAL_FORBIDDEN',
    );
    expect(own.message).toContain('author');
    const v = expectError(await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, viewer), 'CF_FORBIDDEN');
    expect(v.message).toContain('publisher');

    const approved = await call(
      'POST',
      `/admin/v1/change-requests/${cr.id}/approve`,
      { comment: 'looks right' },
      reviewer,
    );
    expect(approved.status).toBe(200);
    expect(approved.body.outcome).toMatchObject({ status: 'live', environment: 'production', version: 2 });
    expect(approved.body.changeRequest).toMatchObject({ status: 'applied', appliedVersion: 2, approvals: 1 });
    expect(approved.body.changeRequest.history.map((h: { kind: string }) => h.kind)).toEqual([
      'open',
      'approve',
      'applied',
    ]);
    expect((await anonymous(call)).body).toMatchObject({ decision: 'softWall', version: 2 });
    // the version names its author, not the approver
    expect((await call('GET', '/admin/v1/features/article/versions/2')).body.author).toBe('token:alice');
    expectError(
      await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, reviewer),
      'CF_CHANGE_REQUEST_CLOSED',
    );

    const actions = (await call('GET', '/admin/v1/audit?target=feature:article')).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['changeRequest.open', 'changeRequest.approve', 'feature.publish', 'changeRequest.apply']),
    );
  });

  it('needs the configured number of distinct approvals', async () => {
    const { call, author, reviewer, second } = await withApproval(2);
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    const cr = (await call('POST', '/admin/v1/features/article/publish', {}, author)).body.changeRequest;
    const first = await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, reviewer);
    expect(first.body).toMatchObject({ changeRequest: { status: 'open', approvals: 1 }, outcome: null });
    expectError(
      await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, reviewer),
      'CF_APPROVAL_FORBIDDEN',
    );
    expect((await anonymous(call)).body.version).toBe(1);
    const last = await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, second);
    expect(last.body.changeRequest).toMatchObject({ status: 'applied', approvals: 2, appliedVersion: 2 });
  });

  it('refuses approval on a stale base until refreshed; rejects with a comment; the author withdraws', async () => {
    const { call, author, reviewer } = await withApproval();
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    const cr = (await call('POST', '/admin/v1/features/article/publish', {}, author)).body.changeRequest;
    // production moves meanwhile: another request (a rollback) is approved first
    const other = (
      await call('POST', '/admin/v1/features/article/environments/production/rollback', { version: 1 }, reviewer)
    ).body.changeRequest;
    await call('POST', `/admin/v1/change-requests/${other.id}/approve`, {}, author);
    expect((await anonymous(call)).body.version).toBe(2);

    const stale = expectError(
      await call('POST', `/admin/v1/change-requests/${cr.id}/approve`, {}, reviewer),
      'CF_CHANGE_REQUEST_STALE',
    );
    expect(stale.message).toContain('refresh');
    const refreshed = await call('POST', `/admin/v1/change-requests/${cr.id}/refresh`, {}, author);
    expect(refreshed.body).toMatchObject({ baseVersion: 2, status: 'open' });
    expect(refreshed.body.review.from).toBe(2);

    const noComment = await call('POST', `/admin/v1/change-requests/${cr.id}/reject`, {}, reviewer);
    expectError(noComment, 'CF_REQUEST_INVALID');
    const rejected = await call('POST', `/admin/v1/change-requests/${cr.id}/reject`, { comment: 'not now' }, reviewer);
    expect(rejected.body).toMatchObject({ status: 'rejected' });
    expect(rejected.body.history.at(-1)).toMatchObject({ kind: 'reject', text: 'not now', actor: { name: 'bob' } });

    const again = (await call('POST', '/admin/v1/features/article/publish', {}, author)).body.changeRequest;
    expectError(
      await call('POST', `/admin/v1/change-requests/${again.id}/withdraw`, {}, reviewer),
      'CF_APPROVAL_FORBIDDEN',
    );
    const withdrawn = await call('POST', `/admin/v1/change-requests/${again.id}/withdraw`, { comment: 'oops' }, author);
    expect(withdrawn.body.status).toBe('withdrawn');
    expectError(
      await call('POST', `/admin/v1/change-requests/${again.id}/approve`, {}, reviewer),
      'CF_CHANGE_REQUEST_CLOSED',
    );
    expect((await anonymous(call)).body.version).toBe(2);
  });

  it('opens a change request for a promotion into an environment requiring approval', async () => {
    const { call, author, reviewer } = await withApproval();
    await call('PUT', '/admin/v1/features/article/draft', { graph: softWallGraph() });
    expect((await call('POST', '/admin/v1/features/article/environments/staging/publish', {}, author)).status).toBe(
      201,
    );
    const opened = await call(
      'POST',
      '/admin/v1/features/article/environments/production/promote',
      { from: 'staging' },
      author,
    );
    expect(opened.status).toBe(202);
    expect(opened.body.changeRequest).toMatchObject({
      action: 'promote',
      proposal: { version: 2, fromEnvironment: 'staging' },
    });
    expect(opened.body.changeRequest.review.diff.nodes.changed).toHaveLength(1);
    const done = await call('POST', `/admin/v1/change-requests/${opened.body.changeRequest.id}/approve`, {}, reviewer);
    expect(done.body.outcome).toMatchObject({ status: 'live', environment: 'production', version: 2 });
    expect((await anonymous(call)).body).toMatchObject({ decision: 'softWall', version: 2 });
  });
});
