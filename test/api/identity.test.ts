/**
 * Verified identity without a usable user id, over real HTTP: a verified token is never anonymous (customer or
 * registered), its split tests and meters key on the visitor cookie, a metric counts such tokens, and test, replay
 * and the command line apply the same rule.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignBucket } from '../../engine';
import { ADMIN_KEY, admin, hs256, root, setupZephr, tempDir, testApp } from './helpers';

const run = promisify(execFile);

let app: FastifyInstance;
let dir: string;
let close: () => Promise<void>;
let base: string;

beforeEach(async () => {
  ({ app, dir, close } = await testApp());
  await setupZephr(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterEach(async () => close());

/** The bad shapes of the user id claim: a verified token carrying one has no usable user id. */
const BAD_SUBS: Array<[string, Record<string, unknown>]> = [
  ['missing', {}],
  ['empty', { sub: '' }],
  ['object', { sub: { id: 'u1' } }],
  ['array', { sub: ['u1'] }],
  ['boolean', { sub: true }],
];

async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const decide = (feature: string, headers: Record<string, string>, context: Record<string, unknown> = {}) =>
  http('POST', '/v1/decisions', { feature, context }, headers);

async function publish(id: string, graph: unknown) {
  expect((await http('POST', '/admin/v1/features', { id, name: id }, admin)).status).toBe(201);
  expect((await http('PUT', `/admin/v1/features/${id}/draft`, { graph }, admin)).status).toBe(200);
  expect((await http('POST', `/admin/v1/features/${id}/publish`, {}, admin)).status).toBe(201);
}

const pos = { x: 0, y: 0 };
const meteredGraph = {
  nodes: [
    { id: 'start', type: 'start', position: pos, data: {} },
    { id: 'state', type: 'userState', position: pos, data: {} },
    {
      id: 'meter',
      type: 'trial',
      position: pos,
      data: { allowance: 1, period: 'P30D', counting: 'uniqueContent', tracker: 'id' },
    },
    { id: 'free', type: 'outcome', position: pos, data: { decision: 'meteredArticle' } },
    { id: 'wall', type: 'outcome', position: pos, data: { decision: 'paywall' } },
    { id: 'regwall', type: 'outcome', position: pos, data: { decision: 'registrationWall' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'state' },
    { id: 'e2', source: 'state', target: 'regwall', sourceHandle: 'anonymous' },
    { id: 'e3', source: 'state', target: 'meter', sourceHandle: 'registered' },
    { id: 'e4', source: 'state', target: 'free', sourceHandle: 'customer' },
    { id: 'e5', source: 'meter', target: 'free', sourceHandle: 'allowed' },
    { id: 'e6', source: 'meter', target: 'wall', sourceHandle: 'exhausted' },
  ],
};
const splitGraph = {
  nodes: [
    { id: 'start', type: 'start', position: pos, data: {} },
    {
      id: 'ab',
      type: 'bucket',
      position: pos,
      data: {
        testId: 'copy',
        buckets: [
          { id: 'a', weight: 1 },
          { id: 'b', weight: 1 },
        ],
      },
    },
    { id: 'oa', type: 'outcome', position: pos, data: { decision: 'a' } },
    { id: 'ob', type: 'outcome', position: pos, data: { decision: 'b' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ab' },
    { id: 'e2', source: 'ab', target: 'oa', sourceHandle: 'a' },
    { id: 'e3', source: 'ab', target: 'ob', sourceHandle: 'b' },
  ],
};
const BUCKETS = [
  { id: 'a', weight: 1 },
  { id: 'b', weight: 1 },
];

describe('a verified token without a usable user id (POST /v1/decisions)', () => {
  it('is a customer when its products grant the entitlements, else registered; never anonymous', async () => {
    for (const [label, claims] of BAD_SUBS) {
      const gold = await decide('article', { authorization: `Bearer ${await hs256({ ...claims, prodsub: 'gold' })}` });
      expect(gold.status, label).toBe(200);
      expect(gold.json(), label).toMatchObject({
        decision: 'fullArticle',
        userState: 'customer',
        products: ['gold'],
        token: { status: 'valid', reason: null },
      });
      const plain = await decide('article', {
        authorization: `Bearer ${await hs256({ ...claims, state: 'Alabama' })}`,
      });
      expect(plain.json(), label).toMatchObject({ decision: 'regionalOffer', userState: 'registered' });
    }
    const none = await decide('article', {});
    expect(none.json()).toMatchObject({ userState: 'anonymous', token: { status: 'missing' } });
  });

  it('keys trial meters on the visitor cookie (and sets one when the site sent none)', async () => {
    await publish('metered', meteredGraph);
    for (const [label, claims] of BAD_SUBS) {
      const auth = `Bearer ${await hs256(claims)}`;
      const first = await decide('metered', { authorization: auth }, { contentId: `${label}-1` });
      expect(first.json().decision, label).toBe('meteredArticle');
      const cookie = /cf_vid=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')?.[1];
      expect(cookie, label).toBeTruthy();
      const same = { authorization: auth, cookie: `cf_vid=${cookie}` };
      expect((await decide('metered', same, { contentId: `${label}-1` })).json().decision, label).toBe(
        'meteredArticle',
      );
      expect((await decide('metered', same, { contentId: `${label}-2` })).json().decision, label).toBe('paywall');
      // Another device (another cookie) with the same id-less token has its own meter.
      const other = { authorization: auth, cookie: `cf_vid=${label}-other-device` };
      expect((await decide('metered', other, { contentId: `${label}-2` })).json().decision, label).toBe(
        'meteredArticle',
      );
    }
    // A usable user id still keys the meter across devices.
    const withSub = `Bearer ${await hs256({ sub: 'reader-1' })}`;
    await decide('metered', { authorization: withSub, cookie: 'cf_vid=device-one' }, { contentId: 'x-1' });
    const elsewhere = await decide(
      'metered',
      { authorization: withSub, cookie: 'cf_vid=device-two' },
      { contentId: 'x-2' },
    );
    expect(elsewhere.json().decision).toBe('paywall');
  });

  it('keys split tests on the visitor cookie, exactly as for an anonymous visitor', async () => {
    await publish('split', splitGraph);
    for (const [label, claims] of BAD_SUBS) {
      const auth = `Bearer ${await hs256(claims)}`;
      for (let i = 0; i < 8; i++) {
        const cookie = `visitor-${label}-${i}`;
        const got = (await decide('split', { authorization: auth, cookie: `cf_vid=${cookie}` })).json().decision;
        expect(got, `${label} ${cookie}`).toBe(assignBucket(`anon:${cookie}`, 'copy', BUCKETS));
        const anonymous = (await decide('split', { cookie: `cf_vid=${cookie}` })).json().decision;
        expect(got, `${label} ${cookie}`).toBe(anonymous);
      }
    }
    const byId = (await decide('split', { authorization: `Bearer ${await hs256({ sub: 'u42' })}` })).json();
    expect(byId.decision).toBe(assignBucket('u42', 'copy', BUCKETS));
  });

  it('is counted in claimflow_tokens_without_user_id_total by problem', async () => {
    for (const [, claims] of BAD_SUBS) await decide('article', { authorization: `Bearer ${await hs256(claims)}` });
    await decide('article', { authorization: `Bearer ${await hs256({ sub: 'u1' })}` });
    await decide('article', { authorization: `Bearer ${await hs256({ sub: 7 })}` });
    const metrics = (await http('GET', '/metrics')).text;
    for (const problem of ['missing', 'empty', 'object', 'array', 'boolean'])
      expect(metrics).toMatch(new RegExp(`claimflow_tokens_without_user_id_total\\{problem="${problem}"\\} 1\\n`));
    expect(metrics).not.toMatch(/claimflow_tokens_without_user_id_total\{problem="[a-z]+"\} 2/);
  });
});

describe('the same rule in test, replay and the command line', () => {
  const cases = async () => {
    const out: unknown[] = [];
    for (const [label, claims] of BAD_SUBS) {
      out.push({
        name: `token ${label}`,
        input: { token: await hs256({ ...claims, prodsub: 'gold' }) },
        expect: { decision: 'fullArticle', userState: 'customer' },
      });
      out.push({
        name: `claims ${label}`,
        input: { claims: { ...claims, state: 'Alabama' } },
        expect: { decision: 'regionalOffer', userState: 'registered' },
      });
    }
    return out;
  };

  it('POST .../test answers customer or registered for each bad user id shape', async () => {
    for (const [label, claims] of BAD_SUBS) {
      const res = await http(
        'POST',
        '/admin/v1/features/article/test',
        { against: 'published', token: await hs256({ ...claims, prodsub: 'gold' }) },
        admin,
      );
      expect(res.json(), label).toMatchObject({ userState: 'customer', decision: 'fullArticle' });
      const claimsRes = await http('POST', '/admin/v1/features/article/test', { claims }, admin);
      expect(claimsRes.json(), label).toMatchObject({ userState: 'registered', decision: 'paywall' });
    }
  });

  it('a stored suite replays them as customer or registered', async () => {
    const put = await http(
      'PUT',
      '/admin/v1/features/article/suites/identity',
      { name: 'identity', cases: await cases() },
      admin,
    );
    expect(put.status).toBe(200);
    const run = await http('POST', '/admin/v1/features/article/suites/identity/run', { against: 'published' }, admin);
    expect(run.status).toBe(200);
    const body = run.json().run;
    expect(body.results.filter((r: { pass: boolean }) => !r.pass)).toEqual([]);
    expect(body.passed).toBe(10);
  });

  it('the command line replays them offline and against the server', async () => {
    const files = tempDir('cf-identity-');
    try {
      const file = join(files.dir, 'suite.json');
      writeFileSync(file, JSON.stringify({ name: 'identity', cases: await cases() }));
      const bin = join(root, 'bin', 'claimflow.js');
      const offline = await run(process.execPath, [bin, 'replay', file, '--feature', 'article', '--data', dir], {
        cwd: root,
      });
      expect(offline.stdout.trim().split('\n').pop()).toBe('10 passed, 0 failed');
      const online = await run(
        process.execPath,
        [bin, 'replay', file, '--feature', 'article', '--server', base, '--admin-key', ADMIN_KEY],
        { cwd: root },
      );
      expect(online.stdout.trim().split('\n').pop()).toBe('10 passed, 0 failed');
    } finally {
      files.cleanup();
    }
  }, 60_000);
});
