/**
 * The two newer node kinds end to end in a real headless Chromium (Debian's chromium via playwright-core) against
 * the real service: draw a switch and a conditions node from the palette, fill their forms (cases, values, branch
 * labels, all/any), connect their dynamic branches, publish, and ask POST /v1/decisions over HTTP.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  connect as connectOn,
  dropNode as dropOn,
  type EditorSession,
  SECRET,
  startEditorSession,
  submitAdminKey,
} from './lib/editor-session';

let session: EditorSession;
let base: string;
let page: Page;

const token = (claims: Record<string, unknown>) => session.token(claims);
const shot = (name: string) => session.shot(`new-kinds-${name}`);
const tid = (id: string) => page.getByTestId(id);
const dropNode = (kind: string, x: number, y: number) => dropOn(page, kind, x, y);
const connect = (sourceNode: string, branch: string | null, targetNode: string, expectAdded = true) =>
  connectOn(page, sourceNode, branch, targetNode, expectAdded).catch(async (error) => {
    await shot(`fail-${sourceNode}-${branch}`);
    throw error;
  });

async function select(nodeId: string): Promise<void> {
  await tid('tab-node').click();
  await tid('node-picker').selectOption(nodeId);
  await expect.poll(() => tid('inspector').textContent()).toContain(nodeId);
}

// One service and one browser for the file; the shared session builds the editor once per run (under a lock).
beforeAll(async () => {
  session = await startEditorSession();
  base = session.base;
  page = session.page;
}, 120_000);

afterAll(async () => {
  await session?.stop();
});

describe('switch and conditions nodes, end to end', () => {
  it('draws both from the palette, fills their forms, publishes and decides over HTTP', async () => {
    await page.goto(base);
    await submitAdminKey(page, ADMIN_KEY);
    await tid('features-table').waitFor();

    await tid('nav-jwt').click();
    await tid('jwt-key-kind').selectOption('secret');
    await tid('jwt-key-value').fill(SECRET);
    await tid('jwt-save').click();
    await tid('jwt-saved').waitFor();

    await tid('nav-features').click();
    await tid('feature-new-id').fill('plans');
    await tid('feature-new-name').fill('Plan access');
    await tid('feature-create').click();
    await tid('canvas').waitFor();
    await page.locator('.react-flow__node[data-id="start"]').waitFor();
    await page.waitForTimeout(600);

    // Both new kinds are in the palette.
    await tid('palette-switch').waitFor();
    await tid('palette-conditions').waitFor();
    await shot('01-palette');

    await dropNode('switch', 60, 10);
    await dropNode('conditions', 420, 150);
    await dropNode('outcome', 30, 250);
    await dropNode('outcome', 230, 250);
    await dropNode('outcome', 330, 400);
    await dropNode('outcome', 560, 400);
    for (const id of ['switch-1', 'conditions-1', 'outcome-1', 'outcome-2', 'outcome-3', 'outcome-4'])
      await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();

    // Switch on the claim org.plan: gold or platinum -> premium, in [silver, bronze] -> standard, else default.
    await select('switch-1');
    await tid('form-source').selectOption('claim');
    await tid('form-property').fill('org.plan');
    await tid('form-case-operator-0').selectOption('equals');
    await tid('form-case-values-0').fill('gold, platinum');
    await tid('form-case-branch-0').fill('premium');
    await tid('form-case-add').click();
    await tid('form-case-operator-1').selectOption('in');
    await tid('form-case-values-1').fill('silver, bronze');
    await tid('form-case-branch-1').fill('standard');
    await shot('02-switch-form');

    // Conditions: any of (claim age >= 18, request device equals tablet).
    await select('conditions-1');
    await tid('form-match').selectOption('any');
    await tid('form-condition-source-0').selectOption('claim');
    await tid('form-condition-property-0').fill('age');
    await tid('form-condition-operator-0').selectOption('greaterThanOrEqual');
    await tid('form-condition-value-0').fill('18');
    await tid('form-condition-type-0').selectOption('number');
    await tid('form-condition-add').click();
    await tid('form-condition-source-1').selectOption('request');
    await tid('form-condition-property-1').fill('device');
    await tid('form-condition-value-1').fill('tablet');
    await shot('03-conditions-form');

    const decisions: [string, string][] = [
      ['outcome-1', 'fullArticle'],
      ['outcome-2', 'teaser'],
      ['outcome-3', 'freeTrial'],
      ['outcome-4', 'paywall'],
    ];
    for (const [id, decision] of decisions) {
      await select(id);
      await tid('form-decision').fill(decision);
    }

    await tid('fit').click();
    await page.waitForTimeout(400);
    await shot('03b-before-connecting');
    await connect('start', null, 'switch-1');
    await connect('switch-1', 'premium', 'outcome-1');
    await connect('switch-1', 'standard', 'outcome-2');
    await connect('switch-1', 'default', 'conditions-1');
    await connect('conditions-1', 'yes', 'outcome-3');
    await connect('conditions-1', 'no', 'outcome-4');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);
    await tid('layout').click();
    await tid('fit').click();
    await page.waitForTimeout(400);
    await tid('problems-none').waitFor();
    await shot('04-graph');

    await tid('publish').click();
    await tid('publish-dialog').waitFor();
    await tid('publish-note').fill('switch and conditions');
    await tid('publish-author').fill('Pat PM');
    await tid('publish-confirm').click();
    await expect.poll(() => tid('message').textContent()).toContain('Published version 1');
    await shot('05-published');

    const ask = async (claims: Record<string, unknown>, device?: string) => {
      const res = await fetch(`${base}/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(claims)}` },
        body: JSON.stringify({ feature: 'plans', ...(device ? { context: { device } } : {}) }),
      });
      const body = (await res.json()) as { decision: string };
      expect(res.status).toBe(200);
      return body.decision;
    };
    expect(await ask({ sub: 'r1', org: { plan: 'platinum' } })).toBe('fullArticle');
    expect(await ask({ sub: 'r2', org: { plan: 'bronze' } })).toBe('teaser');
    expect(await ask({ sub: 'r3', org: { plan: 'free' }, age: 30 })).toBe('freeTrial');
    expect(await ask({ sub: 'r4', age: 16 }, 'tablet')).toBe('freeTrial');
    expect(await ask({ sub: 'r5', age: 16 }, 'mobile')).toBe('paywall');
  }, 180_000);
});
