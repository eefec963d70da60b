/**
 * End to end in a real headless Chromium (Debian's chromium driven by playwright-core) against the real service:
 * sign in, configure JWT and the catalogue, draw the Zephr tutorial rule from the palette by dragging and connecting
 * handles, see a validation error and fix it, publish, test a token and see the path, then ask POST /v1/decisions.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../helpers/service';
import { buildEditor, connect as connectOn, dropNode as dropOn, submitAdminKey } from './lib/editor-session';

const root = join(import.meta.dirname, '..', '..');
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
const SECRET = 'an-e2e-secret-that-is-at-least-32-bytes-long';
const shots = join(root, 'test-artifacts', 'editor');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server: Service;
let base: string;
let browser: Browser;
let page: Page;
let dataDir: string;

const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

async function startServer(): Promise<string> {
  dataDir = mkdtempSync(join(tmpdir(), 'cf-e2e-'));
  server = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY });
  return server.url;
}

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const tid = (id: string) => page.getByTestId(id);
const dropNode = (kind: string, x: number, y: number) => dropOn(page, kind, x, y);
const connect = (sourceNode: string, branch: string | null, targetNode: string, expectAdded = true) =>
  connectOn(page, sourceNode, branch, targetNode, expectAdded);

async function select(nodeId: string): Promise<void> {
  await tid('tab-node').click();
  await tid('node-picker').selectOption(nodeId);
  await expect.poll(() => tid('inspector').textContent()).toContain(nodeId);
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  buildEditor();
  base = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => void d.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('rule editor, end to end', () => {
  it('draws, validates, publishes and tests the Zephr tutorial rule', async () => {
    await page.goto(base);
    await submitAdminKey(page, 'wrong-key-wrong-key');
    await expect.poll(() => tid('signin-error').textContent()).toContain('not right');
    await shot('01-sign-in');
    await submitAdminKey(page, ADMIN_KEY);
    await tid('features-table').waitFor();

    // JWT settings
    await tid('nav-jwt').click();
    await tid('jwt-key-kind').selectOption('secret');
    await tid('jwt-key-value').fill(SECRET);
    await tid('jwt-products-claim').fill('prodsub');
    await tid('jwt-save').click();
    await tid('jwt-saved').waitFor();
    await shot('02-jwt-settings');

    // Catalogue
    await tid('nav-catalogue').click();
    await tid('entitlement-id').fill('premium');
    await tid('entitlement-name').fill('Premium');
    await tid('entitlement-save').click();
    await expect.poll(() => tid('entitlement-tree').textContent()).toContain('premium');
    await tid('product-id').fill('gold');
    await tid('product-name').fill('Gold');
    await tid('product-claim-values').fill('gold');
    await tid('product-entitlement-premium').check();
    await tid('product-save').click();
    await tid('product-row-gold').waitFor();
    await shot('03-catalogue');

    // Feature
    await tid('nav-features').click();
    await tid('feature-new-id').fill('article');
    await tid('feature-new-name').fill('Article access');
    await tid('feature-new-entitlements-premium').check();
    await tid('feature-create').click();
    await tid('canvas').waitFor();
    await page.locator('.react-flow__node[data-id="start"]').waitFor();

    // Draw: drop every node from the palette, around the start node (wait for the first fit to settle).
    await page.waitForTimeout(600);
    const canvasBox = await tid('canvas').boundingBox();
    const startBox = await page.locator('.react-flow__node[data-id="start"]').boundingBox();
    if (!canvasBox || !startBox) throw new Error('no canvas');
    const below = startBox.y - canvasBox.y + startBox.height + 50;
    await dropNode('userState', 10, 10);
    await dropNode('jwtClaim', 260, 10);
    await dropNode('product', 510, 10);
    await dropNode('outcome', 10, 150);
    await dropNode('outcome', 10, below);
    await dropNode('outcome', 260, below);
    await dropNode('outcome', 510, below);
    for (const id of ['userState-1', 'outcome-1', 'jwtClaim-1', 'product-1', 'outcome-2', 'outcome-3', 'outcome-4'])
      await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();

    // Forms: decision names, the JWT Token condition, the product.
    await select('outcome-1');
    await tid('form-decision').fill('registrationWall');
    await select('jwtClaim-1');
    await tid('form-property').fill('state');
    await tid('form-operator').selectOption('equals');
    await tid('form-value').fill('Alabama');
    await select('product-1');
    await tid('form-product-gold').check();
    await select('outcome-2');
    await tid('form-decision').fill('regionalOffer');
    await select('outcome-4');
    await tid('form-decision').fill('fullArticle');
    // outcome-3 (paywall) is left without a decision for now.

    // Connect handles (after fitting the whole graph into view).
    await tid('fit').click();
    await page.waitForTimeout(400);
    await connect('start', null, 'userState-1');
    await connect('userState-1', 'anonymous', 'outcome-1');
    await connect('userState-1', 'registered', 'jwtClaim-1');
    await connect('userState-1', 'customer', 'product-1');
    await connect('jwtClaim-1', 'yes', 'outcome-2');
    await connect('jwtClaim-1', 'no', 'outcome-3');
    await connect('product-1', 'yes', 'outcome-4');
    await connect('product-1', 'no', 'outcome-3');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(8);
    // An invalid connection is refused as it is drawn: a second edge from a used branch.
    await connect('product-1', 'no', 'outcome-1', false);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(8);

    // The validation error: the paywall outcome has no decision name.
    await expect.poll(() => tid('problems-list').textContent()).toContain('the decision name is required');
    await expect(page.locator('.react-flow__node[data-id="outcome-3"] .cf-node.has-error').count()).resolves.toBe(1);
    await tid('layout').click();
    await shot('04-editor-with-problem');
    await page.locator('[data-testid="problems-list"] button').first().click();
    await expect.poll(() => tid('inspector').textContent()).toContain('outcome-3');
    await tid('form-decision').fill('paywall');
    await tid('problems-none').waitFor();

    // Publish: a dialog with the changes, a required note and the author.
    await tid('publish').click();
    await tid('publish-dialog').waitFor();
    await expect(tid('publish-confirm').isDisabled()).resolves.toBe(true);
    await tid('publish-note').fill('Zephr tutorial rule');
    await tid('publish-author').fill('Pat PM');
    await tid('publish-confirm').click();
    await expect.poll(() => tid('message').textContent()).toContain('Published version 1');
    await shot('05-editor-published');

    // Test panel with a token: the path is highlighted.
    await tid('tab-test').click();
    await tid('test-token').fill(await token({ sub: 'pm-1', state: 'Alabama' }));
    await tid('test-run').click();
    await expect.poll(() => tid('test-decision').textContent()).toBe('regionalOffer');
    for (const id of ['start', 'userState-1', 'jwtClaim-1', 'outcome-2'])
      await expect(page.locator(`.react-flow__node[data-id="${id}"] .cf-node.on-path`).count()).resolves.toBe(1);
    await expect(page.locator('.react-flow__node[data-id="product-1"] .cf-node.on-path').count()).resolves.toBe(0);
    await shot('06-test-path');

    // Replay: the test input becomes a case of a suite; replaying it passes and highlights its path.
    await tid('tab-replay').click();
    await tid('replay-case-name').fill('alabama reader');
    await tid('replay-add-case').click();
    await expect.poll(() => tid('replay-suite').textContent()).toContain('(1)');
    await tid('replay-against').selectOption('published');
    await tid('replay-run').click();
    await expect.poll(() => tid('replay-summary').textContent()).toBe('1 passed, 0 failed');
    // The token column: the case's token, verified at the case's clock.
    await expect.poll(() => tid('replay-token-alabama reader').textContent()).toBe('token valid');
    await tid('replay-case-alabama reader').click();
    await expect(page.locator('.react-flow__node[data-id="jwtClaim-1"] .cf-node.on-path').count()).resolves.toBe(1);
    await shot('07-replay');

    // Versions and compare.
    await tid('tab-versions').click();
    await tid('version-row-1').waitFor();
    await shot('07b-versions');

    // The live service answers the four visitors.
    const ask = async (claims: Record<string, unknown> | null) => {
      const res = await fetch(`${base}/v1/decisions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(claims ? { authorization: `Bearer ${await token(claims)}` } : {}),
        },
        body: JSON.stringify({ feature: 'article' }),
      });
      return ((await res.json()) as { decision: string }).decision;
    };
    expect(await ask(null)).toBe('registrationWall');
    expect(await ask({ sub: 'reader-1' })).toBe('paywall');
    expect(await ask({ sub: 'reader-2', state: 'Alabama' })).toBe('regionalOffer');
    expect(await ask({ sub: 'reader-3', prodsub: ['gold'] })).toBe('fullArticle');
  }, 120_000);

  it('compares the draft with the live version on the canvas', async () => {
    await tid('tab-node').click();
    await select('outcome-1');
    await tid('form-decision').fill('softWall');
    await tid('tab-versions').click();
    await tid('compare-a').selectOption('1');
    await tid('compare-b').selectOption('draft');
    await tid('compare-run').click();
    await expect.poll(() => tid('view-mode').textContent()).toContain('comparing v1 → draft');
    await expect(page.locator('.react-flow__node[data-id="outcome-1"] .cf-node.diff-changed').count()).resolves.toBe(1);
    await tid('tab-node').click();
    await expect.poll(() => tid('diff-list').textContent()).toContain("Outcome 'softWall' changed");
    await expect
      .poll(() => tid('diff-list-node-outcome-1').textContent())
      .toMatch(/decision"registrationWall"→"softWall"/);
    await shot('08-compare');
    await tid('back-to-draft').click();
    await tid('undo').click();
    await select('outcome-1');
    await expect(tid('form-decision').inputValue()).resolves.toBe('registrationWall');
  }, 60_000);
});
