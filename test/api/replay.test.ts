import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwtSettingsSchema } from '../../api/auth';
import { tokenCasesNoLongerVerifying } from '../../api/replay/token-check';
import { openSqliteStore } from '../../api/store';
import { createToken } from './accounts/helpers';
import { ADMIN_KEY, admin, hs256, root, SECRET, setupZephr, tempDir, testApp, zephrGraph } from './helpers';

const run = promisify(execFile);
let app: FastifyInstance;
let dir: string;
let close: () => Promise<void>;

const suite = {
  name: 'zephr tutorial',
  feature: 'article',
  cases: [
    { name: 'anonymous', input: {}, expect: { decision: 'registrationWall', userState: 'anonymous' } },
    { name: 'registered', input: { claims: { sub: 'u1' } }, expect: { decision: 'paywall' } },
    {
      name: 'alabama',
      input: { claims: { sub: 'u2', state: 'Alabama' } },
      expect: { decision: 'regionalOffer', path: ['start', 'state', 'alabama', 'offer'] },
    },
    {
      name: 'gold',
      input: { claims: { sub: 'u3', prodsub: 'gold' } },
      expect: { decision: 'fullArticle', userState: 'customer' },
    },
  ],
};

/** Version 2: Alabama loses the regional offer. */
async function publishV2() {
  const g = zephrGraph() as { edges: { id: string; target: string }[]; nodes: { id: string }[] };
  g.edges.find((e) => e.id === 'e-al-yes')!.target = 'paywall';
  g.nodes = g.nodes.filter((n) => n.id !== 'offer');
  await app.inject({ method: 'PUT', url: '/admin/v1/features/article/draft', headers: admin, payload: { graph: g } });
}

beforeEach(async () => {
  ({ app, dir, close } = await testApp());
  await setupZephr(app);
  const put = await app.inject({
    method: 'PUT',
    url: '/admin/v1/features/article/suites/smoke',
    headers: admin,
    payload: suite,
  });
  expect(put.statusCode).toBe(200);
});
afterEach(async () => close());

describe('replay suites over the API', () => {
  it('stores, exports and runs a suite against published, draft and a version', async () => {
    const exported = (
      await app.inject({ method: 'GET', url: '/admin/v1/features/article/suites/smoke', headers: admin })
    ).json();
    expect(exported).toMatchObject({ id: 'smoke', name: 'zephr tutorial', feature: 'article', cases: suite.cases });
    const pass = (
      await app.inject({
        method: 'POST',
        url: '/admin/v1/features/article/suites/smoke/run',
        headers: admin,
        payload: { against: 'published' },
      })
    ).json();
    expect(pass).toMatchObject({ version: 1, run: { passed: 4, failed: 0, summary: '4 passed, 0 failed' } });
    await publishV2();
    const draft = (
      await app.inject({
        method: 'POST',
        url: '/admin/v1/features/article/suites/smoke/run',
        headers: admin,
        payload: { against: 'draft' },
      })
    ).json();
    expect(draft.run.summary).toBe('3 passed, 1 failed');
    const failed = draft.run.results.find((r: { pass: boolean }) => !r.pass);
    expect(failed).toMatchObject({
      name: 'alabama',
      expected: { decision: 'regionalOffer' },
      actual: { decision: 'paywall', path: ['start', 'state', 'alabama', 'paywall'] },
    });
    const v1 = (
      await app.inject({
        method: 'POST',
        url: '/admin/v1/features/article/suites/smoke/run',
        headers: admin,
        payload: { against: 1 },
      })
    ).json();
    expect(v1.run.failed).toBe(0);
  });

  it('refuses bad suites naming the case and field', async () => {
    const bad = await app.inject({
      method: 'PUT',
      url: '/admin/v1/features/article/suites/bad',
      headers: admin,
      payload: {
        name: 'bad',
        cases: [
          { name: 'ok', input: {}, expect: { decision: 'x' } },
          { name: 'oops', input: { claims: 'x' }, expect: { decision: 'x' } },
        ],
      },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'CF_SUITE_INVALID', field: 'cases.1.input.claims' });
    expect(bad.json().error.message).toContain('case 1 "oops"');
  });

  it('refuses to publish when the feature requires its suites to pass, listing the failing cases', async () => {
    await app.inject({
      method: 'PATCH',
      url: '/admin/v1/features/article',
      headers: admin,
      payload: { settings: { requireSuite: true } },
    });
    await publishV2();
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/publish',
      headers: admin,
      payload: { note: 'v2' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'CF_SUITE_FAILED',
      problems: [{ suite: 'zephr tutorial', case: 'alabama' }],
    });
  });

  it('impact analysis: exactly the inputs whose decision changes, with counts per transition', async () => {
    await publishV2();
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/impact',
      headers: admin,
      payload: { from: 'published', to: 'draft', suite: 'smoke' },
    });
    expect(res.json()).toMatchObject({
      from: 1,
      to: 'draft',
      total: 4,
      changed: 1,
      transitions: [{ from: 'regionalOffer', to: 'paywall', count: 1 }],
      rows: [{ name: 'alabama', from: 'regionalOffer', to: 'paywall' }],
    });
  });

  it('preview: the admin key and a preview header evaluate a draft in dry run; without the key it is refused', async () => {
    await publishV2();
    const token = await hs256({ sub: 'u', state: 'Alabama' });
    const live = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${token}` },
      payload: { feature: 'article' },
    });
    expect(live.json()).toMatchObject({ decision: 'regionalOffer', version: 1 });
    const preview = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { authorization: `Bearer ${token}`, 'x-claimflow-preview': 'draft', 'x-claimflow-admin-key': ADMIN_KEY },
      payload: { feature: 'article' },
    });
    expect(preview.json()).toMatchObject({ decision: 'paywall', version: 'draft' });
    expect(preview.headers['set-cookie']).toBeUndefined();
    const forbidden = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { 'x-claimflow-preview': 'draft' },
      payload: { feature: 'article' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('CF_PREVIEW_FORBIDDEN');
  });

  it('preview: an API token (even a viewer) in the admin key header previews too; a revoked or unknown one does not', async () => {
    await publishV2();
    const token = await hs256({ sub: 'u', state: 'Alabama' });
    const viewer = await createToken(app, 'viewer');
    const preview = (credential: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: {
          authorization: `Bearer ${token}`,
          'x-claimflow-preview': 'draft',
          'x-claimflow-admin-key': credential,
        },
        payload: { feature: 'article' },
      });
    const allowed = await preview(viewer.token);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toMatchObject({ decision: 'paywall', version: 'draft' });
    const revoke = await app.inject({ method: 'DELETE', url: `/admin/v1/tokens/${viewer.id}`, headers: admin });
    expect(revoke.statusCode).toBe(204);
    for (const credential of [viewer.token, 'cf_not-a-token-anyone-issued']) {
      const refused = await preview(credential);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'CF_PREVIEW_FORBIDDEN', field: 'x-claimflow-preview' });
    }
  });

  it('records sampled decisions with claims redacted, and turns them into cases', async () => {
    await app.inject({
      method: 'PUT',
      url: '/admin/v1/settings/recording',
      headers: admin,
      payload: { enabled: true, sampleRate: 1, redactClaims: ['email', 'profile.phone'], maxRows: 3 },
    });
    for (let i = 0; i < 5; i++) {
      const token = await hs256({
        sub: `u${i}`,
        email: `secret${i}@example.com`,
        profile: { phone: '+1555', city: 'Mobile' },
        state: 'Alabama',
      });
      await app.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: { authorization: `Bearer ${token}` },
        payload: { feature: 'article' },
      });
    }
    await app.inject({ method: 'POST', url: '/v1/decisions', payload: { feature: 'article', dryRun: true } });
    await new Promise((r) => setTimeout(r, 100));
    const log = (await app.inject({ method: 'GET', url: '/admin/v1/features/article/log', headers: admin })).json();
    expect(log).toHaveLength(3);
    expect(JSON.stringify(log)).not.toContain('secret');
    expect(JSON.stringify(log)).not.toContain('+1555');
    expect(log[0].input.claims).toMatchObject({
      email: '[redacted]',
      profile: { phone: '[redacted]', city: 'Mobile' },
      state: 'Alabama',
    });
    const db =
      readFileSync(join(dir, 'claimflow.db')).toString('latin1') +
      readFileSync(join(dir, 'claimflow.db-wal')).toString('latin1');
    expect(db).not.toContain('secret0@example.com');
    const cases = (
      await app.inject({
        method: 'POST',
        url: '/admin/v1/features/article/log/cases',
        headers: admin,
        payload: { limit: 10 },
      })
    ).json();
    expect(cases.cases).toHaveLength(3);
    expect(cases.cases[0].expect).toEqual({ decision: 'regionalOffer' });
    const impact = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/impact',
      headers: admin,
      payload: { from: 1, to: 1, source: 'log' },
    });
    expect(impact.json()).toMatchObject({ total: 3, changed: 0 });
  });
});

describe('token cases at the case clock', () => {
  const T0 = Date.parse('2024-03-01T12:00:00Z');
  /** An HS256 token issued at T0, valid for an hour from `nbf` (default T0). */
  const tokenAt = (claims: Record<string, unknown>, nbf = T0, secret = SECRET) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(T0 / 1000)
      .setNotBefore(nbf / 1000)
      .setExpirationTime(nbf / 1000 + 3600)
      .sign(new TextEncoder().encode(secret));
  const iso = (ms: number) => new Date(ms).toISOString();

  async function tokenSuite() {
    const gold = await tokenAt({ sub: 'g', prodsub: 'gold' });
    const later = await tokenAt({ sub: 'l' }, T0 + 7200_000);
    return {
      name: 'tokens',
      cases: [
        {
          name: 'gold inside its hour',
          input: { token: gold, now: iso(T0 + 60_000) },
          expect: { decision: 'fullArticle' },
        },
        {
          name: 'gold after its hour',
          input: { token: gold, now: iso(T0 + 2 * 3600_000) },
          expect: { decision: 'registrationWall', userState: 'anonymous' },
        },
        { name: 'not yet valid', input: { token: later, now: iso(T0) }, expect: { decision: 'registrationWall' } },
        { name: 'claims', input: { claims: { sub: 'c' } }, expect: { decision: 'paywall' } },
      ],
    };
  }

  it("verifies exp and nbf at the case's now, and shows each case's token status and reason", async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/admin/v1/features/article/suites/tokens',
      headers: admin,
      payload: await tokenSuite(),
    });
    expect(put.statusCode).toBe(200);
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/suites/tokens/run',
      headers: admin,
      payload: { against: 'published' },
    });
    const run = res.json().run;
    expect(run.summary).toBe('4 passed, 0 failed');
    expect(run.results.map((r: { token: unknown }) => r.token)).toEqual([
      { status: 'valid', reason: null },
      { status: 'expired', reason: expect.stringMatching(/^CF_TOKEN_EXPIRED: /) },
      { status: 'invalid', reason: expect.stringMatching(/^CF_TOKEN_NOT_YET_VALID: /) },
      null,
    ]);
    expect(run.results[0].actual).toMatchObject({ decision: 'fullArticle', userState: 'customer' });
  });

  it('the payload test endpoint verifies a token at the given now', async () => {
    const token = await tokenAt({ sub: 'g', prodsub: 'gold' });
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/test',
      headers: admin,
      payload: { token, now: iso(T0 + 60_000) },
    });
    expect(res.json()).toMatchObject({ decision: 'fullArticle', token: { status: 'valid', reason: null } });
  });

  it('writes token status and reason into the JUnit file (offline command line)', async () => {
    const files = tempDir('cf-junit-');
    try {
      const suiteFile = join(files.dir, 'suite.json');
      const s = await tokenSuite();
      s.cases[1].expect = { decision: 'paywall' } as never; // fails: the token has expired at that clock
      writeFileSync(suiteFile, JSON.stringify(s));
      const junit = join(files.dir, 'junit.xml');
      const out = await run(
        process.execPath,
        [
          join(root, 'bin', 'claimflow.js'),
          'replay',
          suiteFile,
          '--feature',
          'article',
          '--data',
          dir,
          '--junit',
          junit,
        ],
        { cwd: root },
      ).catch((e: { code: number }) => e);
      expect((out as { code?: number }).code).toBe(1);
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(
        /<testcase classname="tokens" name="gold inside its hour">\s*<properties>\s*<property name="token.status" value="valid"\/>\s*<\/properties>\s*<\/testcase>/,
      );
      expect(xml).toMatch(
        /name="gold after its hour">\s*<properties>\s*<property name="token.status" value="expired"\/>\s*<property name="token.reason" value="CF_TOKEN_EXPIRED: [^"]+"\/>/,
      );
      expect(xml).toMatch(/<failure [^>]*>[^<]*token: expired \(CF_TOKEN_EXPIRED: /);
      expect(xml).toMatch(/<testcase classname="tokens" name="claims"><\/testcase>/);
    } finally {
      files.cleanup();
    }
  }, 60_000);

  it('lists the stored token cases that no longer verify after the JWT settings change', async () => {
    await app.inject({
      method: 'PUT',
      url: '/admin/v1/features/article/suites/tokens',
      headers: admin,
      payload: await tokenSuite(),
    });
    const before = await app.inject({ method: 'GET', url: '/admin/v1/suites/token-check', headers: admin });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({
      checked: 3,
      failing: [
        { feature: 'article', suite: 'tokens', case: 'gold after its hour', status: 'expired' },
        { feature: 'article', suite: 'tokens', case: 'not yet valid', status: 'invalid' },
      ],
    });

    const store = await openSqliteStore({ dataDir: dir });
    try {
      const previous = JwtSettingsSchema.parse((await store.getSetting('jwt')) ?? {});
      const next = JwtSettingsSchema.parse({ ...previous, key: { kind: 'secret', secret: `${SECRET}-rotated` } });
      // With the previous settings given, only what the change broke: the case that verified before.
      expect(await tokenCasesNoLongerVerifying(store, next, { previous })).toEqual({
        checked: 3,
        failing: [
          {
            feature: 'article',
            suite: 'tokens',
            case: 'gold inside its hour',
            at: iso(T0 + 60_000),
            status: 'invalid',
            reason: expect.stringMatching(/^CF_TOKEN_SIGNATURE_INVALID: /),
          },
        ],
      });
    } finally {
      await store.close();
    }

    const rotated = await app.inject({
      method: 'PUT',
      url: '/admin/v1/settings/jwt',
      headers: admin,
      payload: {
        key: { kind: 'secret', secret: `${SECRET}-rotated` },
        algorithms: ['HS256'],
        productsClaim: 'prodsub',
      },
    });
    expect(rotated.statusCode).toBe(200);
    // The settings answer itself names what the change broke.
    expect(rotated.json().tokenCases).toMatchObject({
      checked: 3,
      failing: [{ feature: 'article', suite: 'tokens', case: 'gold inside its hour', status: 'invalid' }],
    });
    const after = (await app.inject({ method: 'GET', url: '/admin/v1/suites/token-check', headers: admin })).json();
    expect(after.failing.map((f: { case: string; status: string }) => [f.case, f.status])).toEqual([
      ['gold inside its hour', 'invalid'],
      ['gold after its hour', 'invalid'],
      ['not yet valid', 'invalid'],
    ]);
  });
});

describe('claimflow replay (command line)', () => {
  const cli = async (args: string[]) => {
    try {
      const out = await run(process.execPath, [join(root, 'bin', 'claimflow.js'), ...args], { cwd: root });
      return { code: 0, stdout: out.stdout, stderr: out.stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('runs offline on a data folder and against a running server, with exit codes and JUnit output', async () => {
    const files = tempDir('cf-cli-');
    try {
      const suiteFile = join(files.dir, 'suite.json');
      writeFileSync(suiteFile, JSON.stringify(suite));
      await publishV2();
      const offline = await cli(['replay', suiteFile, '--feature', 'article', '--against', 'published', '--data', dir]);
      expect(offline.code).toBe(0);
      expect(offline.stdout.trim().split('\n').pop()).toBe('4 passed, 0 failed');
      const junit = join(files.dir, 'junit.xml');
      const failing = await cli([
        'replay',
        suiteFile,
        '--feature',
        'article',
        '--against',
        'draft',
        '--data',
        dir,
        '--junit',
        junit,
      ]);
      expect(failing.code).toBe(1);
      expect(failing.stdout).toContain('FAIL alabama');
      expect(failing.stdout).toContain('3 passed, 1 failed');
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toContain('<testsuites name="claimflow replay" tests="4" failures="1"');
      expect(xml).toMatch(
        /<testcase classname="zephr tutorial" name="alabama">\s*<failure message="decision: expected &quot;regionalOffer&quot;, got &quot;paywall&quot;/,
      );

      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address() as { port: number };
      const server = await cli([
        'replay',
        suiteFile,
        '--feature',
        'article',
        '--against',
        '1',
        '--server',
        `http://127.0.0.1:${address.port}`,
        '--admin-key',
        ADMIN_KEY,
      ]);
      expect(server.code).toBe(0);
      expect(server.stdout).toContain('4 passed, 0 failed');

      writeFileSync(suiteFile, JSON.stringify({ name: 'broken', cases: [{ name: 'no expect', input: {} }] }));
      const broken = await cli(['replay', suiteFile, '--feature', 'article', '--data', dir]);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toContain('case 0 "no expect": cases.0.expect');
      expect((await cli(['replay', suiteFile])).code).toBe(2);
    } finally {
      files.cleanup();
    }
  }, 60_000);

  it('explains itself, takes the feature from the suite, refuses a missing data folder and names an unreachable server', async () => {
    const files = tempDir('cf-cli-');
    try {
      const help = await cli(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('usage: claimflow replay <suite.json>');
      expect(help.stdout).toContain('claimflow users create');
      const replayHelp = await cli(['replay', '--help']);
      expect(replayHelp.code).toBe(0);
      expect(replayHelp.stdout).toContain(
        '--feature ID   the feature to replay on (default: the suite\'s own "feature")',
      );

      const suiteFile = join(files.dir, 'suite.json');
      writeFileSync(suiteFile, JSON.stringify({ ...suite, feature: 'article' }));
      const byDefault = await cli(['replay', suiteFile, '--against', 'published', '--data', dir]);
      expect(byDefault.stderr).toBe('');
      expect(byDefault.stdout).toContain('on feature article');

      const missing = await cli(['replay', suiteFile, '--data', join(files.dir, 'nowhere')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`the data folder ${join(files.dir, 'nowhere')} does not exist`);

      const unreachable = await cli(['replay', suiteFile, '--server', 'http://127.0.0.1:9', '--admin-key', ADMIN_KEY]);
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toContain('cannot reach the Claimflow service at http://127.0.0.1:9');
    } finally {
      files.cleanup();
    }
  }, 60_000);
});
