/**
 * The Releases page in a real headless Chromium against the real service: the environment switcher and the version
 * live in each environment, publishing the draft to staging, and a change request from opening to approval by two
 * people (the author cannot approve it; a second publisher does, and the version goes live in production).
 * Screenshots in test-artifacts/editor/releases-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  type EditorSession,
  example,
  openFeature,
  seedCatalogue,
  seedFeature,
  signIn,
  startEditorSession,
} from './lib/editor-session';

const PASSWORD = 'a release manager passphrase';
let s: EditorSession;

beforeAll(async () => {
  s = await startEditorSession();
  await seedCatalogue(s);
  await seedFeature(s, 'article', example('zephr-tutorial'), { name: 'Article access' }); // v1 live in production
  const graph = example('zephr-tutorial') as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = graph.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'softWall' };
  await s.admin('PUT', '/features/article/draft', { graph });
  await s.admin('PUT', '/environments/production', { requiresApproval: true, approvalsNeeded: 1 });
  for (const [email, name] of [
    ['alice@example.com', 'Alice'],
    ['bob@example.com', 'Bob'],
  ])
    await s.admin('POST', '/users', { email, name, role: 'publisher', password: PASSWORD });
}, 180_000);

afterAll(async () => s?.stop());

async function signInAs(email: string) {
  const { page } = s;
  await page.goto(s.base);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-password-submit').click();
  await page.getByTestId('signed-in-as').waitFor();
  await page.getByTestId('nav-releases').click();
  await page.getByTestId('env-table').waitFor();
}

const text = (testId: string) => s.page.getByTestId(testId).textContent();

describe('releases page', () => {
  it('switches environments, shows the version live in each, and publishes the draft to staging', async () => {
    await signInAs('alice@example.com');
    await expect.poll(() => text('live-article-production')).toContain('v1');
    expect(await text('live-article-staging')).toContain('none');
    expect(await s.page.getByTestId('env-switcher').inputValue()).toBe('production');
    expect(await text('env-approval')).toContain('1 approval');

    await s.page.getByTestId('env-switcher').selectOption('staging');
    expect(await text('env-approval')).toContain('at once');
    await s.page.getByTestId('publish-to-article').click();
    await expect.poll(() => text('release-message')).toContain('Version 2 is live in staging');
    await expect.poll(() => text('live-article-staging')).toContain('v2');
    expect(await text('live-article-production')).toContain('v1');
    await s.shot('releases-01-staging-published');
    expect(await axeViolations(s.page)).toEqual([]);
  });

  it('takes a change request from opening by its author to approval by a second publisher', async () => {
    // the author promotes staging into production: production requires approval, so a request opens
    await s.page.getByTestId('env-switcher').selectOption('production');
    await s.page.getByTestId('promote-article-from-staging').click();
    await expect.poll(() => text('release-message')).toContain('change request opened');
    await s.page.getByTestId('cr-row-article').waitFor();
    expect(await text('live-article-production')).toContain('v1');

    // the author cannot approve their own request
    await s.page.getByTestId('cr-open-article').click();
    await s.page.getByTestId('cr-detail').waitFor();
    await s.page.getByTestId('cr-approve').click();
    await expect.poll(() => text('release-message')).toContain('author');
    expect(await text('cr-status-badge')).toBe('open');
    await s.page.getByTestId('sign-out').click();

    // a second publisher reviews the diff, comments and approves
    await signInAs('bob@example.com');
    await s.page.getByTestId('cr-open-article').click();
    await s.page.getByTestId('cr-detail').waitFor();
    expect(await text('cr-diff')).toContain('regwall');
    expect(await text('cr-diff')).toContain('softWall');
    expect(await text('cr-history')).toContain('alice@example.com');
    await s.shot('releases-02-change-request');
    expect(await axeViolations(s.page)).toEqual([]);
    await s.page.getByTestId('cr-comment').fill('Checked on the staging site, ship it');
    await s.page.getByTestId('cr-approve').click();
    await expect.poll(() => text('cr-status-badge')).toBe('applied');
    expect(await text('cr-history')).toContain('Checked on the staging site');
    await expect.poll(() => text('live-article-production')).toContain('v2');
    await s.shot('releases-03-approved');

    const decision = await fetch(`${s.base}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feature: 'article' }),
    }).then((r) => r.json());
    expect(decision).toMatchObject({ decision: 'softWall', version: 2 });
  });

  it("says so in the feature editor's publish dialog when the default environment requires approval", async () => {
    await openFeature(s, 'article');
    await s.page.getByTestId('publish').click();
    await s.page.getByTestId('publish-dialog').waitFor();
    await s.page.getByTestId('publish-note').fill('Republish for the newsroom');
    await s.page.getByTestId('publish-author').fill('Bob');
    await s.page.getByTestId('publish-confirm').click();
    await expect.poll(() => text('publish-pending')).toContain('production requires approval');
    expect(await s.page.getByTestId('publish-confirm').isDisabled()).toBe(true);
    await s.shot('releases-04-publish-pending');
  }, 120_000);

  it('lets an admin create and revoke a site key that picks the staging environment', async () => {
    await s.page.goto(s.base);
    await s.page.getByTestId('sign-out').click();
    await signIn(s); // the admin key
    await s.page.getByTestId('nav-releases').click();
    await s.page.getByTestId('site-keys').waitFor();
    await s.page.getByTestId('site-key-name').fill('staging site');
    await s.page.getByTestId('site-key-environment').selectOption('staging');
    await s.page.getByTestId('site-key-origins').fill('https://staging.example.com');
    await s.page.getByTestId('site-key-create').click();
    const key = (await s.page.getByTestId('site-key-value-staging site').textContent()) ?? '';
    expect(key).toMatch(/^cf_site_staging_/);
    expect(await text('site-key-staging site')).toContain('https://staging.example.com');
    await s.shot('releases-05-site-keys');
    expect(await axeViolations(s.page)).toEqual([]);
    const decide = () =>
      fetch(`${s.base}/v1/decisions/article?siteKey=${encodeURIComponent(key)}`).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    expect(await decide()).toMatchObject({ status: 200, body: { decision: 'softWall', version: 2 } });
    await s.page.getByTestId('site-key-revoke-staging site').click();
    await s.page.getByTestId('site-key-staging site').waitFor({ state: 'detached' });
    expect(await decide()).toMatchObject({ status: 401, body: { error: { code: 'CF_SITE_KEY_INVALID' } } });
  });

  it('shows a change request with a go-live time, and a second publisher approves it ahead of that time', async () => {
    // a feature live in production, and its publish there requested for tomorrow night, Berlin time
    await s.admin('PUT', '/environments/production', { requiresApproval: false });
    await seedFeature(s, 'offer', example('zephr-tutorial'), { name: 'Black Friday offer' });
    await s.admin('PUT', '/environments/production', { requiresApproval: true, approvalsNeeded: 1 });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await s.admin('POST', '/features/offer/environments/production/publish', {
      note: 'Black Friday',
      at: `${tomorrow}T00:00`,
      timeZone: 'Europe/Berlin',
    });
    await s.page.goto(s.base);
    await s.page.getByTestId('sign-out').click();
    await signInAs('bob@example.com');
    await s.page.getByTestId('cr-open-offer').click();
    await s.page.getByTestId('cr-detail').waitFor();
    expect(await text('cr-go-live')).toBe(
      `Goes live once approved, at ${tomorrow} 00:00:00 Europe/Berlin (an approval after that time makes it live at once).`,
    );
    await s.page.getByTestId('cr-comment').fill('Fine for midnight');
    await s.page.getByTestId('cr-approve').click();
    await expect.poll(() => text('cr-status-badge')).toBe('approved');
    expect(await text('cr-go-live')).toBe(`Approved: scheduled to go live at ${tomorrow} 00:00:00 Europe/Berlin.`);
    expect(await text('live-offer-production')).toContain('v1');
    await s.shot('releases-06-go-live-approved');
    expect(await axeViolations(s.page)).toEqual([]);
  }, 120_000);

  it('promotes into production with a go-live time set on the Releases page, shown on the change request', async () => {
    // a feature live in production and in staging; production requires approval (since the test above)
    await s.admin('PUT', '/environments/production', { requiresApproval: false });
    await seedFeature(s, 'launch', example('zephr-tutorial'), { name: 'Product launch' });
    await s.admin('PUT', '/environments/production', { requiresApproval: true, approvalsNeeded: 1 });
    await s.admin('POST', '/features/launch/environments/staging/publish', { note: 'launch on staging' });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await s.page.reload();
    await s.page.getByTestId('env-table').waitFor();
    await s.page.getByTestId('env-switcher').selectOption('production');
    await expect.poll(() => text('live-launch-staging')).toContain('v');
    await s.page.getByTestId('go-live-at').fill(`${tomorrow}T09:30`);
    await s.page.getByTestId('go-live-zone').selectOption('America/New_York');
    await s.shot('releases-07-go-live-time');
    expect(await axeViolations(s.page)).toEqual([]);
    await s.page.getByTestId('promote-launch-from-staging').click();
    await expect.poll(() => text('release-message')).toContain('change request opened');
    await s.page.getByTestId('cr-open-launch').click();
    await s.page.getByTestId('cr-detail').waitFor();
    expect(await text('cr-go-live')).toBe(
      `Goes live once approved, at ${tomorrow} 09:30:00 America/New_York (an approval after that time makes it live at once).`,
    );
    expect(await text('live-launch-production')).toContain('v1');
    await s.shot('releases-08-go-live-requested');
    expect(await axeViolations(s.page)).toEqual([]);

    // where changes go live at once there is no go-live time to set
    await s.page.getByTestId('env-switcher').selectOption('staging');
    await s.page.getByTestId('go-live').waitFor({ state: 'detached' });
  }, 120_000);
});
