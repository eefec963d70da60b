/**
 * OFREP in a real browser: the official @openfeature/web-sdk with @openfeature/ofrep-web-provider, bundled with
 * esbuild into a test page served from loopback, in Debian's headless Chromium (playwright-core), against the real
 * service process (CORS allowed for the page's origin): anonymous, registered, customer and expired tokens, a
 * missing flag, targeting keys, and the bulk evaluation refreshed by polling (ETag / 304) after a publish.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/service';
import { articleWithAnonymousDecision, type Fixture, publish, startConfigured, tokens } from './fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = join(ROOT, 'test-artifacts', 'ofrep');

let fx: Fixture;
let pageServer: Server;
let pageDir: string;
let browser: Browser;
let page: Page;
let t: Awaited<ReturnType<typeof tokens>>;
const bulkRequests: number[] = [];

type Details = {
  value: string;
  variant: string | null;
  reason: string | null;
  errorCode: string | null;
  flagMetadata: Record<string, unknown>;
};
const details = (flag: string) =>
  page.evaluate((f) => (window as unknown as { cf: { details(f: string): Details } }).cf.details(f), flag);
const setContext = (context: Record<string, unknown>, label: string) =>
  page.evaluate(
    ([c, l]) =>
      (window as unknown as { cf: { setContext(c: unknown, l: string): Promise<void> } }).cf.setContext(c, l as string),
    [context, label] as const,
  );
const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  pageDir = mkdtempSync(join(tmpdir(), 'cf-ofrep-page-'));
  await build({
    entryPoints: [join(import.meta.dirname, 'web', 'page.ts')],
    outfile: join(pageDir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  const files: Record<string, [string, string]> = {
    '/': [
      'text/html',
      '<!doctype html><html><body>loading</body><script type="module" src="/page.js"></script></html>',
    ],
    '/page.js': ['text/javascript', readFileSync(join(pageDir, 'page.js'), 'utf8')],
  };
  pageServer = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  fx = await startConfigured({ CLAIMFLOW_CORS_ORIGINS: origin });
  t = await tokens();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 900, height: 360 } });
  page.on('response', (res) => {
    if (res.url().endsWith('/ofrep/v1/evaluate/flags') && res.request().method() === 'POST')
      bulkRequests.push(res.status());
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'cf' in window);
  await page.evaluate(
    ([base]) =>
      (window as unknown as { cf: { start(b: string, c: unknown, p: number): Promise<void> } }).cf.start(base, {}, 300),
    [fx.base],
  );
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fx?.close();
  await new Promise((r) => pageServer?.close(r));
  if (pageDir) rmSync(pageDir, { recursive: true, force: true });
});

describe('OFREP web provider in Chromium', () => {
  it('anonymous visitor: registration wall; a split test without targetingKey is TARGETING_KEY_MISSING', async () => {
    const article = await details('article');
    expect(article).toMatchObject({
      value: 'registrationWall',
      variant: 'registrationWall',
      reason: 'TARGETING_MATCH',
    });
    expect(article.flagMetadata).toMatchObject({ version: 1, userState: 'anonymous', tokenStatus: 'missing' });
    expect((await details('copy-test')).errorCode).toBe('TARGETING_KEY_MISSING');
    await shot('01-anonymous');
  });

  it('registered, customer and expired tokens in the context', async () => {
    await setContext({ token: t.registered }, 'registered');
    expect(await details('article')).toMatchObject({ value: 'paywall', flagMetadata: { userState: 'registered' } });
    expect((await details('copy-test')).reason).toBe('SPLIT');
    await shot('02-registered');
    await setContext({ token: t.customer }, 'customer');
    expect(await details('article')).toMatchObject({ value: 'fullArticle', flagMetadata: { userState: 'customer' } });
    expect((await details('copy-test')).value).toBe('fullArticle');
    await shot('03-customer');
    await setContext({ token: t.expired }, 'expired token');
    expect(await details('article')).toMatchObject({
      value: 'registrationWall',
      flagMetadata: { userState: 'anonymous', tokenStatus: 'expired' },
    });
    await shot('04-expired');
  });

  it('a missing flag answers the default with FLAG_NOT_FOUND', async () => {
    expect(await details('no-such-flag')).toMatchObject({ value: 'fallback', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('after a publish, polling the bulk endpoint brings the new version (304 while nothing changed)', async () => {
    await setContext({ targetingKey: 'browser-visitor-1' }, 'anonymous with targetingKey');
    expect((await details('copy-test')).reason).toBe('SPLIT');
    // let a few polls go by: nothing changed, so the service answers 304
    await expect.poll(() => bulkRequests.filter((s) => s === 304).length, { timeout: 10_000 }).toBeGreaterThan(1);
    const changesBefore = await page.evaluate(() => (window as unknown as { cf: { changes(): number } }).cf.changes());
    await publish(fx.base, 'article', articleWithAnonymousDecision('softWall'));
    await expect.poll(async () => (await details('article')).value, { timeout: 10_000 }).toBe('softWall');
    expect((await details('article')).flagMetadata.version).toBe(2);
    const changesAfter = await page.evaluate(() => (window as unknown as { cf: { changes(): number } }).cf.changes());
    expect(changesAfter).toBeGreaterThan(changesBefore);
    await shot('05-after-publish');
  });
});
