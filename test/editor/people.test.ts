/**
 * The editor's people pages in a real headless Chromium against the real service: password sign-in, who is signed
 * in, users and API tokens pages for an admin (the token secret shown once), the audit log, and an editor who does not
 * see the admin pages. Screenshots in test-artifacts/editor/people-*.png.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../helpers/service';

const root = join(import.meta.dirname, '..', '..');
const ADMIN_KEY = 'people-admin-key-0123456789abcdef';
const shots = join(root, 'test-artifacts', 'editor');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'an owner passphrase for the browser';

let server: Service;
let browser: Browser;
let dataDir: string;

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { 'x-claimflow-admin-key': ADMIN_KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).then((r) => r.json());

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  if (!existsSync(join(root, 'editor', 'dist', 'index.html')) || !process.env.CF_E2E_SKIP_BUILD)
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(root, 'editor', 'vite.config.ts'),
      ],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
  dataDir = mkdtempSync(join(tmpdir(), 'cf-people-'));
  server = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY });
  await admin('POST', '/users', { email: 'owner@example.com', name: 'Owner', role: 'admin', password: PASSWORD });
  await admin('POST', '/users', { email: 'ed@example.com', name: 'Ed', role: 'editor', password: PASSWORD });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(page: Page, email: string) {
  await page.goto(server.url);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-password-submit').click();
  await page.getByTestId('signed-in-as').waitFor();
}

describe('people pages, end to end', () => {
  it('signs an admin in with a password, manages users and tokens, and shows the audit log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.getByTestId('signin-email').fill('owner@example.com');
    await page.getByTestId('signin-password').fill('not the password at all');
    await page.getByTestId('signin-password-submit').click();
    await expect.poll(() => page.getByTestId('account-signin-error').textContent()).toContain('wrong');
    await page.screenshot({ path: join(shots, 'people-01-sign-in.png') });
    await signIn(page, 'owner@example.com');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('owner@example.com · admin');

    await page.getByTestId('nav-users').click();
    await page.getByTestId('user-ed@example.com').waitFor();
    await page.getByTestId('new-user-email').fill('vi@example.com');
    await page.getByTestId('new-user-submit').click();
    await page.getByTestId('user-vi@example.com').waitFor();
    await page.screenshot({ path: join(shots, 'people-02-users.png') });

    await page.getByTestId('nav-tokens').click();
    await page.getByTestId('new-token-name').fill('ci');
    await page.getByTestId('new-token-submit').click();
    const secret = (await page.getByTestId('token-secret').locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^cft_/);
    await page.getByTestId('token-ci').waitFor();
    await page.screenshot({ path: join(shots, 'people-03-tokens.png') });
    // The token works on the admin API; after a reload the page no longer shows the secret.
    const res = await fetch(`${server.url}/admin/v1/features`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    await page.reload();
    await page.getByTestId('tokens-page').waitFor();
    expect(await page.getByTestId('token-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByTestId('nav-audit').click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(4);
    const text = await page.getByTestId('audit-page').textContent();
    expect(text).toContain('token.create');
    expect(text).toContain('owner@example.com');
    await page.screenshot({ path: join(shots, 'people-04-audit.png') });

    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-email').waitFor();
    await page.close();
  }, 90_000);

  it('does not show the admin pages to an editor', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, 'ed@example.com');
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('editor');
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    expect(await page.getByTestId('nav-tokens').count()).toBe(0);
    await page.getByTestId('nav-audit').waitFor();
    await page.screenshot({ path: join(shots, 'people-05-editor.png') });
    await page.close();
  }, 60_000);
});
