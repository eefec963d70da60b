/** The JWKS keys endpoint against a real loopback HTTP server: floods, outages, redirects, bad key sets, rotation. */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JWKS_BYTES } from '../../../api/auth';
import {
  b64,
  expectRefused,
  expectValid,
  makeKeys,
  SECRET,
  signRs,
  sleep,
  type TestKeys,
  valid,
  verifierFor,
} from './fixtures';
import { type JwksServer, startJwksServer } from './jwks-server';

let keys: TestKeys;
let server: JwksServer;
/** A second server that serves a perfectly good key set: a redirect to it must never be followed. */
let other: JwksServer;
beforeAll(async () => {
  keys = await makeKeys();
  server = await startJwksServer({ kind: 'jwks', body: { keys: [keys.jwk1] } });
  other = await startJwksServer({ kind: 'jwks', body: { keys: [keys.jwk1] } });
});
afterAll(async () => {
  await server.close();
  await other.close();
});
afterEach(() => {
  server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1] } };
});

const remote = (opts: { cooldownMs?: number; timeoutMs?: number } = {}) =>
  verifierFor({
    key: {
      kind: 'jwksUrl',
      url: server.url,
      cooldownMs: opts.cooldownMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 1_000,
    },
    algorithms: ['RS256'],
  });
const goodToken = () => signRs(valid(), keys.rsa.privateKey, { kid: 'k1' });

describe('remote JWKS', () => {
  it('verifies with the fetched key set and counts the fetch', async () => {
    const v = remote();
    const before = server.requests;
    expectValid(await v.verify(await goodToken()));
    expectValid(await v.verify(await signRs(valid({ other: 1 }), keys.rsa.privateKey, { kid: 'k1' })));
    expect(server.requests - before).toBe(1);
    expect(v.stats().jwksFetches).toBe(1);
  });

  it('an unknown-kid flood makes at most one JWKS fetch per cooldown', async () => {
    const v = remote({ cooldownMs: 500 });
    const flood = async () => {
      const tokens = await Promise.all(
        Array.from({ length: 50 }, () => signRs(valid(), keys.rsa.privateKey, { kid: randomUUID() })),
      );
      const results = await Promise.all(tokens.map((t) => v.verify(t)));
      for (const [i, r] of results.entries()) expectRefused(r, 'CF_TOKEN_KEY_NOT_FOUND', tokens[i]);
    };
    const before = server.requests;
    await flood(); // cold: one fetch serves all 50
    expect(server.requests - before).toBe(1);
    await flood(); // cooling down: no fetch
    expect(server.requests - before).toBe(1);
    await sleep(550);
    await flood(); // the cooldown is over: exactly one more
    expect(server.requests - before).toBe(2);
    expect(v.stats().jwksFetches).toBe(2);
  });

  it('fails closed when the endpoint times out', async () => {
    server.behaviour = { kind: 'hang' };
    const token = await goodToken();
    expectRefused(await remote({ cooldownMs: 0, timeoutMs: 150 }).verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('fails closed on HTTP 500', async () => {
    server.behaviour = { kind: 'status', status: 500 };
    const token = await goodToken();
    expectRefused(await remote({ cooldownMs: 0 }).verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('does not follow a redirect, even to a server with a valid key set', async () => {
    server.behaviour = { kind: 'redirect', location: other.url };
    const token = await goodToken();
    const before = other.requests;
    const r = await remote({ cooldownMs: 0 }).verify(token);
    expectRefused(r, 'CF_TOKEN_JWKS_UNAVAILABLE', token);
    expect(r.status !== 'valid' && r.reason).toMatch(/redirect/);
    expect(other.requests).toBe(before);
  });

  it('fails closed on a body that is not JSON', async () => {
    server.behaviour = { kind: 'text', body: '<html>not json</html>' };
    const token = await goodToken();
    expectRefused(await remote({ cooldownMs: 0 }).verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('fails closed on JSON that is not a key set', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: 'nope' } };
    const token = await goodToken();
    expectRefused(await remote({ cooldownMs: 0 }).verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('refuses the whole set when it holds a symmetric (oct) key', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1, { kty: 'oct', k: b64(SECRET), kid: 'h1' }] } };
    const token = await goodToken(); // even a token for the good RSA key
    const r = await remote({ cooldownMs: 0 }).verify(token);
    expectRefused(r, 'CF_TOKEN_JWKS_UNAVAILABLE', token);
    expect(r.status !== 'valid' && r.reason).toMatch(/oct/);
  });

  it('refuses a key set larger than the cap', async () => {
    server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1], pad: 'x'.repeat(MAX_JWKS_BYTES) } };
    const token = await goodToken();
    expectRefused(await remote({ cooldownMs: 0 }).verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('backs off after a failed fetch instead of hammering the endpoint, and recovers', async () => {
    server.behaviour = { kind: 'status', status: 500 };
    const v = remote({ cooldownMs: 300 });
    const before = server.requests;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signRs(valid({ i }), keys.rsa.privateKey, { kid: 'k1' })),
    );
    for (const r of await Promise.all(tokens.map((t) => v.verify(t)))) expectRefused(r, 'CF_TOKEN_JWKS_UNAVAILABLE');
    for (const r of await Promise.all(tokens.map((t) => v.verify(t)))) expectRefused(r, 'CF_TOKEN_JWKS_UNAVAILABLE');
    expect(server.requests - before).toBe(1);
    server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1] } };
    await sleep(350);
    expectValid(await v.verify(tokens[0]));
    expect(server.requests - before).toBe(2);
  });

  it('picks up a rotated key on an unknown kid once the cooldown is over', async () => {
    const v = remote({ cooldownMs: 300 });
    expectValid(await v.verify(await goodToken()));
    server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk2] } }; // k1 withdrawn, k2 published
    const rotated = await signRs(valid(), keys.rsa2.privateKey, { kid: 'k2' });
    expectRefused(await v.verify(rotated), 'CF_TOKEN_KEY_NOT_FOUND', rotated); // still cooling down
    await sleep(350);
    expectValid(await v.verify(rotated));
    const old = await signRs(valid({ fresh: 1 }), keys.rsa.privateKey, { kid: 'k1' });
    expectRefused(await v.verify(old), 'CF_TOKEN_KEY_NOT_FOUND', old);
  });

  it('fails closed when nothing listens at the URL', async () => {
    const gone = await startJwksServer({ kind: 'status', status: 500 });
    const url = gone.url;
    await gone.close();
    const v = verifierFor({ key: { kind: 'jwksUrl', url, cooldownMs: 0, timeoutMs: 1000 }, algorithms: ['RS256'] });
    const token = await goodToken();
    expectRefused(await v.verify(token), 'CF_TOKEN_JWKS_UNAVAILABLE', token);
  });

  it('reports each fetch result and the key set state (readiness, metrics)', async () => {
    const events: string[] = [];
    const make = (timeoutMs = 1_000) =>
      verifierFor(
        { key: { kind: 'jwksUrl', url: server.url, cooldownMs: 0, timeoutMs }, algorithms: ['RS256'] },
        { onJwksFetch: (e) => events.push(e.result) },
      );
    const cases: Array<[JwksServer['behaviour'], string, number?]> = [
      [{ kind: 'status', status: 503 }, 'http_error'],
      [{ kind: 'redirect', location: other.url }, 'redirect'],
      [{ kind: 'text', body: 'nope' }, 'invalid'],
      [{ kind: 'jwks', body: { keys: [keys.jwk1], pad: 'x'.repeat(MAX_JWKS_BYTES) } }, 'too_large'],
      [{ kind: 'hang' }, 'timeout', 150],
    ];
    for (const [behaviour, result, timeoutMs] of cases) {
      server.behaviour = behaviour;
      const v = make(timeoutMs);
      expect(v.keySet()).toMatchObject({ kind: 'jwksUrl', ready: false, remote: { lastSuccessAt: null } });
      const status = await v.prefetchKeySet();
      expect(status, result).toMatchObject({ ready: false, remote: { lastSuccessAt: null } });
      expect(status.remote?.lastFailure, result).toEqual(expect.any(String));
      expect(events.pop(), result).toBe(result);
    }
    server.behaviour = { kind: 'jwks', body: { keys: [keys.jwk1, keys.jwk2] } };
    const v = make();
    const ok = await v.prefetchKeySet();
    expect(events.pop()).toBe('success');
    expect(ok).toMatchObject({ ready: true, remote: { keys: 2, kids: ['k1', 'k2'], lastFailure: null } });
    expect(Date.now() - (ok.remote?.lastSuccessAt ?? 0)).toBeLessThan(5_000);
    expectValid(await v.verify(await goodToken())); // the prefetched set serves the token: no second request
    expect(v.stats().jwksFetches).toBe(1);
    const gone = await startJwksServer({ kind: 'status', status: 500 });
    const url = gone.url;
    await gone.close();
    const unreachable = verifierFor(
      { key: { kind: 'jwksUrl', url, cooldownMs: 0, timeoutMs: 1_000 }, algorithms: ['RS256'] },
      { onJwksFetch: (e) => events.push(e.result) },
    );
    expect((await unreachable.prefetchKeySet()).ready).toBe(false);
    expect(events.pop()).toBe('unreachable');
  });
});
