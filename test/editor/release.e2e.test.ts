/**
 * The release-flow pages in a real headless Chromium against the real service: create a webhook (its secret shown
 * once), press "Send test delivery" and watch the delivery log turn delivered while a receiver on loopback checks the
 * signature; schedule a publish in a chosen time zone, see it listed, cancel it. Screenshots in
 * test-artifacts/editor/release-*.png.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../api/webhooks/signature';
import {
  axeViolations,
  type EditorSession,
  example,
  seedCatalogue,
  seedFeature,
  signIn,
  startEditorSession,
} from './lib/editor-session';

let session: EditorSession;
let page: Page;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});
const tid = (id: string) => page.getByTestId(id);

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  session = await startEditorSession();
  page = session.page;
  await seedCatalogue(session);
  await seedFeature(session, 'article', example('zephr-tutorial'), { name: 'Article access' });
  await signIn(session);
}, 180_000);

afterAll(async () => {
  await session?.stop();
  receiver.close();
  receiver.closeAllConnections();
});

describe('release pages', () => {
  it('creates a webhook and sends a signed test delivery from the button, shown in the delivery log', async () => {
    await tid('nav-webhooks').click();
    await tid('webhooks-page').waitFor();
    await tid('new-webhook-name').fill('newsroom chat');
    await tid('new-webhook-url').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/claimflow`);
    await page.getByLabel('schedule.executed').check();
    await tid('new-webhook-submit').click();
    const secret = (await tid('webhook-secret').locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await tid('webhook-newsroom chat').waitFor();
    expect(await tid('webhook-newsroom chat').textContent()).toContain('feature.published, schedule.executed');
    await session.shot('release-01-webhook-created');

    await tid('webhook-test').click();
    await expect
      .poll(() => tid('delivery-row').first().getAttribute('data-status'), { timeout: 15_000 })
      .toBe('delivered');
    expect(await tid('delivery-row').first().textContent()).toContain('webhook.test');
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0].body).type).toBe('webhook.test');
    expect(verifySignature(secret, received[0].body, received[0].headers['x-claimflow-signature'] as string)).toBe(
      true,
    );
    await session.shot('release-02-test-delivered');
    expect(await axeViolations(page)).toEqual([]);

    // the secret is not shown again after reloading the page
    await page.reload();
    await tid('webhook-newsroom chat').waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it("refuses a webhook to the service's own address with the server's message", async () => {
    await tid('new-webhook-name').fill('loop');
    await tid('new-webhook-url').fill(`${session.base}/admin/v1/users`);
    await tid('new-webhook-submit').click();
    await expect.poll(() => tid('webhooks-error').textContent()).toContain("this service's own listen address");
  });

  it('schedules a publish in a chosen time zone, lists it, and cancels it', async () => {
    await tid('nav-schedules').click();
    await tid('schedules-page').waitFor();
    await tid('schedule-feature').selectOption('article');
    await tid('schedule-at').fill('2099-11-27T00:00');
    await tid('schedule-zone').selectOption('Europe/Berlin');
    await tid('schedule-environment').selectOption('staging');
    await tid('schedule-submit').click();
    const row = page.locator('[data-testid^="schedule-"][data-status]').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.textContent()).toContain('2099-11-27 00:00:00 Europe/Berlin');
    const [listed] = await session.admin<Array<{ runAt: string; timeZone: string }>>('GET', '/schedules');
    expect(listed).toMatchObject({
      runAt: '2099-11-26T23:00:00.000Z',
      timeZone: 'Europe/Berlin',
      environment: 'staging',
    });
    await session.shot('release-03-scheduled');
    expect(await axeViolations(page)).toEqual([]);

    await row.getByTestId('schedule-cancel').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('cancelled');
    await session.shot('release-04-cancelled');
  });
});
