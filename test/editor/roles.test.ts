/**
 * Issue 13 in a real headless Chromium against the real service: inside the existing pages each role sees only the
 * controls it can use (viewer: no Save, Publish, rollback, delete or settings edits, but can test; editor: + drafts and
 * feature settings, no Publish; publisher: + Publish and rollback; admin: + catalogue and JWT settings). One clear
 * sign-in page (password, the admin key folded away as break-glass) and a readable Users page, both axe-clean.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  type EditorSession,
  example,
  openFeature,
  seedCatalogue,
  seedFeature,
  signIn,
  signInAs,
  startEditorSession,
} from './lib/editor-session';

const PASSWORD = 'a long enough passphrase';
let s: EditorSession;
let page: Page;
const tid = (id: string) => page.getByTestId(id);
const count = (id: string) => tid(id).count();
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

beforeAll(async () => {
  s = await startEditorSession();
  page = s.page;
  await seedCatalogue(s);
  await seedFeature(s, 'article', example('zephr-tutorial'), { name: 'Article access' });
  // A second version, so version 1 offers a rollback.
  await s.admin('POST', '/features/article/publish', { note: 'again', author: 'seed' });
  for (const role of ['viewer', 'editor', 'publisher', 'admin'])
    await s.admin('POST', '/users', { email: `${role}@example.com`, name: role, role, password: PASSWORD });
}, 180_000);

afterAll(async () => {
  await s?.stop();
});

async function signOut(): Promise<void> {
  await tid('sign-out').click();
  await tid('signin-email').waitFor();
}

/** What one role sees on the features list, the feature editor, the catalogue and the JWT settings. */
async function controls(): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  await tid('nav-features').click();
  await tid('features-table').waitFor();
  for (const id of ['feature-create', 'feature-rename-article']) seen[id] = await count(id);
  await openFeature(s, 'article');
  for (const id of ['save-draft', 'publish', 'undo', 'layout', 'feature-settings-save', 'read-only-role'])
    seen[id] = await count(id);
  seen['palette-enabled'] = (await tid('palette-outcome').isEnabled()) ? 1 : 0;
  seen['settings-name-enabled'] = (await tid('feature-settings-name').isEnabled()) ? 1 : 0;
  await tid('tab-versions').click();
  await tid('version-row-1').waitFor();
  seen['version-rollback-1'] = await count('version-rollback-1');
  await tid('tab-replay').click();
  await tid('replay-panel').waitFor();
  seen['replay-add-case'] = await count('replay-add-case');
  // Every role can test.
  await tid('tab-test').click();
  await tid('test-mode-claims').click();
  await tid('test-claims').fill(JSON.stringify({ sub: 'reader-1' }));
  await tid('test-run').click();
  await poll(() => tid('test-decision').textContent()).toBe('paywall');
  await tid('nav-catalogue').click();
  await tid('products-table').waitFor();
  for (const id of ['entitlement-save', 'product-save']) seen[id] = await count(id);
  seen['catalogue-delete'] = await page.locator('.catalogue button', { hasText: 'delete' }).count();
  await tid('nav-jwt').click();
  await tid('jwt-settings').waitFor();
  seen['jwt-save'] = await count('jwt-save');
  seen['jwt-key-kind-enabled'] = (await tid('jwt-key-kind').isEnabled()) ? 1 : 0;
  return seen;
}

describe('controls by role inside the pages', () => {
  it('a viewer sees the rule and can test it, with no Save, Publish, rollback, delete or settings edits', async () => {
    await signInAs(s, 'viewer@example.com', PASSWORD);
    const seen = await controls();
    expect(seen).toEqual({
      'feature-create': 0,
      'feature-rename-article': 0,
      'save-draft': 0,
      publish: 0,
      undo: 0,
      layout: 0,
      'feature-settings-save': 0,
      'read-only-role': 1,
      'palette-enabled': 0,
      'settings-name-enabled': 0,
      'version-rollback-1': 0,
      'replay-add-case': 0,
      'entitlement-save': 0,
      'product-save': 0,
      'catalogue-delete': 0,
      'jwt-save': 0,
      'jwt-key-kind-enabled': 0,
    });
    await openFeature(s, 'article');
    // The read-only canvas is still measured: it opens fitted (every node on it) and the minimap draws every node.
    const nodeCount = await page.locator('.react-flow__node').count();
    await poll(() => page.locator('.react-flow__minimap-node').count()).toBe(nodeCount);
    const outside = await page.evaluate(() => {
      const c = (document.querySelector('[data-testid="canvas"]') as Element).getBoundingClientRect();
      return [...document.querySelectorAll('.react-flow__node')]
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom;
        })
        .map((e) => (e as HTMLElement).dataset.id);
    });
    expect(outside).toEqual([]);
    // The canvas is read-only: a node cannot be deleted with the keyboard.
    await page.locator('.react-flow__node[data-id="paywall"]').click();
    await page.keyboard.press('Delete');
    await expect(page.locator('.react-flow__node[data-id="paywall"]').count()).resolves.toBe(1);
    // A viewer cannot publish: the bottom bar does not say "ready to publish", and the settings look read-only.
    expect(await tid('problems-none').textContent()).toBe('✓ No problems');
    const nameStyle = await tid('feature-settings-name').evaluate((e) => {
      const st = getComputedStyle(e);
      return { background: st.backgroundColor, cursor: st.cursor };
    });
    expect(nameStyle).toEqual({
      background: expect.not.stringMatching(/^rgb\(255, 255, 255\)$/),
      cursor: 'not-allowed',
    });
    await s.shot('roles-01-viewer-editor');
    expect(await axeViolations(page)).toEqual([]);
    await signOut();
  }, 120_000);

  it('an editor edits drafts and feature settings but sees no Publish or rollback', async () => {
    await signInAs(s, 'editor@example.com', PASSWORD);
    const seen = await controls();
    expect(seen).toMatchObject({
      'feature-create': 1,
      'feature-rename-article': 1,
      'save-draft': 1,
      publish: 0,
      'feature-settings-save': 1,
      'read-only-role': 0,
      'palette-enabled': 1,
      'version-rollback-1': 0,
      'replay-add-case': 1,
      'entitlement-save': 0,
      'catalogue-delete': 0,
      'jwt-save': 0,
    });
    await signOut();
  }, 120_000);

  it('a publisher sees Publish and rollback, not the catalogue or JWT settings edits', async () => {
    await signInAs(s, 'publisher@example.com', PASSWORD);
    const seen = await controls();
    expect(seen).toMatchObject({
      'save-draft': 1,
      publish: 1,
      'version-rollback-1': 1,
      'entitlement-save': 0,
      'product-save': 0,
      'jwt-save': 0,
    });
    await openFeature(s, 'article');
    expect(await tid('problems-none').textContent()).toBe('✓ No problems: ready to publish');
    const nameStyle = await tid('feature-settings-name').evaluate((e) => getComputedStyle(e).cursor);
    expect(nameStyle).not.toBe('not-allowed');
    await s.shot('roles-02-publisher-editor');
    await signOut();
  }, 120_000);

  it('an admin sees every control', async () => {
    await signInAs(s, 'admin@example.com', PASSWORD);
    const seen = await controls();
    expect(Object.entries(seen).filter(([id, n]) => (id === 'read-only-role' ? n !== 0 : n === 0))).toEqual([]);
    await signOut();
  }, 120_000);
});

describe('sign-in and users pages', () => {
  it('one sign-in page: the password form, the admin key folded away as break-glass; axe-clean', async () => {
    await page.goto(s.base);
    await tid('signin-page').waitFor();
    // One heading "Claimflow" (before: two cards, both headed "Claimflow").
    await expect(page.getByRole('heading', { name: 'Claimflow' }).count()).resolves.toBe(1);
    await expect(tid('signin-email').isVisible()).resolves.toBe(true);
    await expect(tid('signin-key').isVisible()).resolves.toBe(false);
    await poll(() => tid('signin-break-glass').textContent()).toContain('admin key');
    await s.shot('roles-03-sign-in');
    expect(await axeViolations(page)).toEqual([]);
    await tid('signin-break-glass-open').click();
    await expect(tid('signin-key').isVisible()).resolves.toBe(true);
    await s.shot('roles-04-sign-in-break-glass');
  }, 60_000);

  it('the users page: a full-width table and an add form whose fields have labels (axe-clean)', async () => {
    await signIn(s);
    await tid('nav-users').click();
    await tid('user-viewer@example.com').waitFor();
    const widths = await page.evaluate(() => ({
      table: document.querySelector('[data-testid="users-table"]')?.getBoundingClientRect().width ?? 0,
      form: document.querySelector('[data-testid="new-user-form"]')?.getBoundingClientRect().width ?? 0,
    }));
    expect(widths.table).toBeGreaterThan(0);
    expect(widths.table).toBeCloseTo(widths.form, 0);
    for (const [id, label] of [
      ['new-user-email', 'Email'],
      ['new-user-name', 'Name'],
      ['new-user-role', 'Role'],
      ['new-user-password', 'Password'],
    ])
      await expect(page.getByLabel(label, { exact: true }).getAttribute('data-testid')).resolves.toBe(id);
    await page.getByLabel('Email', { exact: true }).fill('new@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await tid('new-user-submit').click();
    await tid('user-new@example.com').waitFor();
    await s.shot('roles-05-users');
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);
});
