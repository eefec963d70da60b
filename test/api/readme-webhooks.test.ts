/**
 * Runs README's webhook verification example, as written, with Node: it verifies real signed deliveries sent by the
 * service (a test delivery and a publish event) and refuses one whose body was changed on the way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../../api/webhooks/signature';
import { writeReadmeExample } from '../helpers/readme';
import { admin, setupZephr, testApp } from './helpers';

let child: ChildProcess | undefined;
let ctx: Awaited<ReturnType<typeof testApp>> | undefined;
afterAll(async () => {
  child?.kill();
  await ctx?.close();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('README: verifying webhook deliveries', () => {
  it('verifies real deliveries with the example receiver and refuses a changed body', async () => {
    const file = writeReadmeExample('verify-webhook.mjs', 'Webhooks and scheduled changes');
    ctx = await testApp({ webhooks: { pollMs: 50 } });
    const port = await freePort();
    const made = await ctx.app.inject({
      method: 'POST',
      url: '/admin/v1/webhooks',
      headers: admin,
      payload: { name: 'readme', url: `http://127.0.0.1:${port}/`, events: ['feature.published'] },
    });
    const { id, secret } = made.json();
    const lines: string[] = [];
    child = spawn(process.execPath, [file], { env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) } });
    child.stdout?.on('data', (d) => lines.push(...String(d).trim().split('\n')));
    await expect.poll(() => lines).toContain('listening');

    await ctx.app.inject({ method: 'POST', url: `/admin/v1/webhooks/${id}/test`, headers: admin });
    await setupZephr(ctx.app);
    await expect.poll(() => lines.filter((l) => l.startsWith('verified')).length, { timeout: 10_000 }).toBe(2);
    expect(lines.some((l) => l.startsWith('verified webhook.test '))).toBe(true);
    expect(lines.some((l) => l.startsWith('verified feature.published '))).toBe(true);

    // a body changed after signing, and a stale timestamp, are refused
    const body = JSON.stringify({ type: 'feature.published' });
    const now = Math.floor(Date.now() / 1000);
    const send = (payload: string, header: string) =>
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: payload,
        headers: { 'x-claimflow-signature': header },
      });
    expect((await send(body, signatureHeader(secret, body, now))).status).toBe(204);
    expect((await send(`${body} `, signatureHeader(secret, body, now))).status).toBe(401);
    expect((await send(body, signatureHeader(secret, body, now - 3_600))).status).toBe(401);
    expect((await send(body, signatureHeader('whsec_other', body, now))).status).toBe(401);
  });
});
