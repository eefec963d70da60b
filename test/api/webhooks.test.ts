/**
 * Webhooks against a real receiver on loopback: signed deliveries (X-Claimflow-Signature over "t.body"), retried with
 * backoff after a failed attempt, bounded by a timeout, logged per webhook, sent on request (test delivery), kept in
 * the store across a restart, and never to the service's own listen address.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { verifySignature } from '../../api/webhooks/signature';
import { ADMIN_KEY, admin, setupZephr, tempDir, testApp } from './helpers';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver answering each request with the next status of `statuses` (the last one repeats); 'hang' never answers. */
async function receiver(statuses: Array<number | 'hang'>) {
  const got: Received[] = [];
  const waiting: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      for (const w of waiting.splice(0)) w();
      const status = statuses[Math.min(got.length - 1, statuses.length - 1)];
      if (status === 'hang') return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    /** Resolves once `n` requests arrived. */
    async count(n: number) {
      while (got.length < n) await new Promise<void>((r) => waiting.push(r));
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function until<T>(fn: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('webhooks', () => {
  it('delivers a signed publish event, retrying after a failed first attempt, and logs both attempts', async () => {
    const hook = await receiver([500, 204]);
    cleanups.push(hook.close);
    const ctx = await testApp({ webhooks: { backoffMs: 100, pollMs: 50, timeoutMs: 2_000 } });
    cleanups.push(ctx.close);
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'newsroom chat', url: hook.url, events: ['feature.published'] },
    });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^whsec_/);
    // the secret is shown once: never in the listing or the single view
    for (const url of ['/admin/v1/webhooks', `/admin/v1/webhooks/${id}`]) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: admin });
      expect(res.body).not.toContain(secret);
    }

    await setupZephr(ctx.app); // publishes version 1 of `article`
    await hook.count(2);
    const [first, second] = hook.got;
    expect(second.body).toBe(first.body);
    expect(first.headers['x-claimflow-delivery']).toBe(second.headers['x-claimflow-delivery']);
    expect([first.headers['x-claimflow-attempt'], second.headers['x-claimflow-attempt']]).toEqual(['1', '2']);
    for (const r of [first, second]) {
      expect(r.headers['x-claimflow-event']).toBe('feature.published');
      expect(r.headers['x-claimflow-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(secret, r.body, r.headers['x-claimflow-signature'] as string)).toBe(true);
      expect(verifySignature('whsec_wrong', r.body, r.headers['x-claimflow-signature'] as string)).toBe(false);
      expect(verifySignature(secret, `${r.body} `, r.headers['x-claimflow-signature'] as string)).toBe(false);
    }
    expect(JSON.parse(first.body)).toMatchObject({
      type: 'feature.published',
      data: { featureId: 'article', environment: 'production', version: 1, note: 'first' },
    });

    const log = await until(async () => {
      const res = await ctx.app.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      const [d] = res.json();
      return d?.status === 'delivered' ? d : null;
    });
    expect(log).toMatchObject({ event: 'feature.published', attempts: 2, nextAttemptAt: null });
    expect(log.log.map((a: { attempt: number; status: number }) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 204],
    ]);
    expect(log.log[0].error).toBe('answered 500');
    // the second attempt waited for the backoff after the first
    expect(Date.parse(log.log[1].at)).toBeGreaterThanOrEqual(Date.parse(log.log[0].at) + 100);

    const audit = await ctx.app.inject({ method: 'GET', url: '/admin/v1/audit?action=webhook.create', headers: admin });
    expect(audit.json().entries?.[0] ?? audit.json()[0]).toBeTruthy();
    expect(audit.body).not.toContain(secret);
  });

  it('gives up after the bounded attempts, each bounded by the timeout', async () => {
    const hook = await receiver(['hang']);
    cleanups.push(hook.close);
    const ctx = await testApp({ webhooks: { backoffMs: 20, pollMs: 20, timeoutMs: 200, maxAttempts: 3 } });
    cleanups.push(ctx.close);
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'slow', url: hook.url, events: ['feature.published'] },
    });
    const { id } = created.json();
    const test = await ctx.app.inject({ method: 'POST', url: `/admin/v1/webhooks/${id}/test`, headers: admin });
    expect(test.statusCode).toBe(202);
    const failed = await until(async () => {
      const res = await ctx.app.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      const [d] = res.json();
      return d?.status === 'failed' ? d : null;
    });
    expect(failed.attempts).toBe(3);
    expect(failed.log).toHaveLength(3);
    for (const a of failed.log) expect(a).toMatchObject({ status: null, error: 'no answer within 200 ms' });
    expect(hook.got).toHaveLength(3);
    expect(JSON.parse(hook.got[0].body)).toMatchObject({ type: 'webhook.test', data: { webhookId: id } });
  });

  it('keeps queued deliveries in the store across a restart; the next instance delivers them', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    // a port with nobody listening yet: the first instance's attempt is refused
    const probe = await receiver([204]);
    const url = probe.url;
    await probe.close();
    const first = await buildApp({
      dataDir: dir,
      adminKey: ADMIN_KEY,
      editorDir: null,
      webhooks: { pollMs: 50, backoffMs: 300 },
    });
    const created = await first.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'later', url, events: ['feature.published'] },
    });
    const { id } = created.json();
    await first.inject({ method: 'POST', url: `/admin/v1/webhooks/${id}/test`, headers: admin });
    await until(async () => {
      const res = await first.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      return res.json()[0]?.log.length === 1;
    });
    await first.close();

    const port = Number(new URL(url).port);
    const hook = await receiver([204]);
    await hook.close(); // (receiver() picks a free port; listen again on the one the webhook names)
    const got: string[] = [];
    const server = createServer((req, res) => {
      got.push(String(req.headers['x-claimflow-attempt']));
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const second = await buildApp({ dataDir: dir, adminKey: ADMIN_KEY, editorDir: null, webhooks: { pollMs: 50 } });
    cleanups.push(() => second.close());
    const delivered = await until(async () => {
      const res = await second.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      const [d] = res.json();
      return d?.status === 'delivered' ? d : null;
    });
    expect(delivered.attempts).toBe(2);
    expect(delivered.log[0].error).toBe('ECONNREFUSED');
    expect(got).toEqual(['2']);
  });

  it("refuses URLs that are not http(s) or that point at the service's own listen address and port", async () => {
    const ctx = await testApp();
    cleanups.push(ctx.close);
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (ctx.app.server.address() as AddressInfo).port;
    const create = (url: string) =>
      ctx.app.inject({
        method: 'POST',
        url: '/admin/v1/webhooks',
        headers: admin,
        payload: { name: 'x', url, events: ['feature.published'] },
      });
    for (const url of [
      `http://127.0.0.1:${port}/admin/v1/features`,
      `http://localhost:${port}/admin/v1/users`,
      `http://[::1]:${port}/admin/v1/users`,
      `http://0.0.0.0:${port}/`,
    ]) {
      const res = await create(url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'CF_WEBHOOK_URL_REFUSED', field: 'body.url' });
    }
    for (const url of ['ftp://example.com/hook', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const res = await create(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'CF_REQUEST_INVALID', field: 'body.url' });
    }
    // another port on loopback is someone else: allowed
    expect((await create(`http://127.0.0.1:${port === 65_535 ? port - 1 : port + 1}/hook`)).statusCode).toBe(201);
    // and an existing webhook cannot be moved onto the service either
    const hooks = await ctx.app.inject({ method: 'GET', url: '/admin/v1/webhooks', headers: admin });
    const patched = await ctx.app.inject({
      method: 'PATCH',
      url: `/admin/v1/webhooks/${hooks.json()[0].id}`,
      headers: admin,
      payload: { url: `http://127.0.0.1:${port}/admin/v1/tokens` },
    });
    expect(patched.json().error.code).toBe('CF_WEBHOOK_URL_REFUSED');
  });

  it('does not follow redirects (a receiver cannot bounce a delivery elsewhere)', async () => {
    const elsewhere = await receiver([204]);
    cleanups.push(elsewhere.close);
    const bouncing = createServer((_req, res) => res.writeHead(307, { location: elsewhere.url }).end());
    await new Promise<void>((r) => bouncing.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => bouncing.close(() => r())));
    const ctx = await testApp({ webhooks: { pollMs: 20, backoffMs: 20, maxAttempts: 2 } });
    cleanups.push(ctx.close);
    const made = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: {
        name: 'bounce',
        url: `http://127.0.0.1:${(bouncing.address() as AddressInfo).port}/`,
        events: ['feature.published'],
      },
    });
    const { id } = made.json();
    await ctx.app.inject({ method: 'POST', url: `/admin/v1/webhooks/${id}/test`, headers: admin });
    const failed = await until(async () => {
      const res = await ctx.app.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      const [d] = res.json();
      return d?.status === 'failed' ? d : null;
    });
    expect(failed.log.map((a: { status: number; error: string }) => [a.status, a.error])).toEqual([
      [307, 'answered 307'],
      [307, 'answered 307'],
    ]);
    expect(elsewhere.got).toHaveLength(0);
  });

  it('stops an attempt in flight when the instance stops, records it, and the next instance retries it', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const hook = await receiver(['hang', 204]);
    cleanups.push(hook.close);
    const options = { dataDir: dir, adminKey: ADMIN_KEY, editorDir: null };
    const first = await buildApp({ ...options, webhooks: { pollMs: 50, backoffMs: 50, timeoutMs: 60_000 } });
    const made = await first.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'slow', url: hook.url, events: ['feature.published'] },
    });
    const { id } = made.json();
    await first.inject({ method: 'POST', url: `/admin/v1/webhooks/${id}/test`, headers: admin });
    await hook.count(1);
    await first.close(); // does not wait for the receiver's answer (60 s)
    const second = await buildApp({ ...options, webhooks: { pollMs: 50 } });
    cleanups.push(() => second.close());
    const delivered = await until(async () => {
      const res = await second.inject({ method: 'GET', url: `/admin/v1/webhooks/${id}/deliveries`, headers: admin });
      const [d] = res.json();
      return d?.status === 'delivered' ? d : null;
    });
    expect(delivered.log.map((a: { status: number | null; error: string | null }) => [a.status, a.error])).toEqual([
      [null, 'the instance stopped during the attempt'],
      [204, null],
    ]);
  });

  it('queues one delivery per publish when publishes run concurrently', async () => {
    const hook = await receiver([204]);
    cleanups.push(hook.close);
    const ctx = await testApp({ webhooks: { pollMs: 20 } });
    cleanups.push(ctx.close);
    await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'all', url: hook.url, events: ['feature.published'] },
    });
    await setupZephr(ctx.app); // version 1
    const publishes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ctx.app.inject({
          method: 'POST',
          url: '/admin/v1/features/article/publish',
          headers: admin,
          payload: { note: `n${i}` },
        }),
      ),
    );
    expect(publishes.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
    await hook.count(13);
    const versions = hook.got.map((r) => JSON.parse(r.body).data.version).sort((a: number, b: number) => a - b);
    expect(versions).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('an emit not awaited never holds the SQLite write lock while the caller goes on writing', async () => {
    const hook = await receiver([204]);
    cleanups.push(hook.close);
    const ctx = await testApp({ webhooks: { pollMs: 60_000 } });
    cleanups.push(ctx.close);
    await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'all', url: hook.url, events: ['feature.published'] },
    });
    const { events, store } = ctx.app.claimflow;
    for (const ticks of [1, 2, 3, 4, 5]) {
      // the way the feature service announces a change and goes on (e.g. approving, then publishing)
      const queued = events.emit({
        type: 'feature.published',
        data: { featureId: 'f', environment: 'production', version: ticks, author: 'a', note: '' },
      });
      for (let i = 0; i < ticks; i++) await null;
      await store.putSetting(`probe-${ticks}`, { ticks }); // a main-store write on the same thread
      expect(await queued).toBe(1);
    }
  });
});
