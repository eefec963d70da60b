/**
 * One real service and one headless Chromium (Debian's, via playwright-core) shared by a browser test file, with
 * helpers to seed state through the admin API, drive the editor and check accessibility with axe-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Service, startService } from '../../helpers/service';

export const root = join(import.meta.dirname, '..', '..', '..');
export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
export const SECRET = 'an-e2e-secret-that-is-at-least-32-bytes-long';
export const shots = join(root, 'test-artifacts', 'editor');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface EditorSession {
  base: string;
  page: Page;
  browser: Browser;
  /** Admin API call; throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  token(claims: Record<string, unknown>): Promise<string>;
  shot(name: string): Promise<void>;
  stop(): Promise<void>;
}

let built = false;

/**
 * Builds the editor once per test run, whichever browser test file asks first: test files run in parallel workers
 * that share `editor/dist`, so a lock directory serializes the builds and a stamp naming the run (the vitest main
 * process) lets later files skip theirs. CF_E2E_SKIP_BUILD=1 reuses an existing build.
 */
export function buildEditor(): void {
  if (built) return;
  const dist = join(root, 'editor', 'dist');
  if (process.env.CF_E2E_SKIP_BUILD && existsSync(join(dist, 'index.html'))) return;
  const lock = join(root, 'editor', '.build-lock');
  const stamp = join(dist, '.built-by-run');
  const run = String(process.ppid);
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a crashed run is older than any build takes.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000)
        rmSync(lock, { recursive: true, force: true });
      else sleep(250);
    }
  }
  try {
    if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === run)) {
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          join(root, 'editor', 'vite.config.ts'),
        ],
        { cwd: root, stdio: 'ignore' },
      );
      writeFileSync(stamp, run);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  built = true;
}

export async function startEditorSession(): Promise<EditorSession> {
  mkdirSync(shots, { recursive: true });
  buildEditor();
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-e2e-'));
  const server: Service = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY });
  const browser = await chromium.launch({
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => void d.accept());
  const base = server.url;
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/admin/v1${path}`, {
      method,
      headers: {
        'x-claimflow-admin-key': ADMIN_KEY,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    base,
    page,
    browser,
    admin,
    token: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET)),
    shot: async (name) => {
      await page.screenshot({ path: join(shots, `${name}.png`) });
    },
    stop: async () => {
      await browser.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JWT settings (HS256 secret, `prodsub`), entitlement premium, product gold. */
export async function seedCatalogue(s: EditorSession): Promise<void> {
  await s.admin('PUT', '/settings/jwt', {
    key: { kind: 'secret', secret: SECRET },
    algorithms: ['HS256'],
    productsClaim: 'prodsub',
  });
  await s.admin('PUT', '/entitlements/premium', { name: 'Premium' });
  await s.admin('PUT', '/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
}

export function example(name: string): { nodes: unknown[]; edges: unknown[] } {
  return JSON.parse(readFileSync(join(root, 'engine', 'examples', `${name}.json`), 'utf8'));
}

/** Creates a feature with a draft graph, published as version 1 unless `publish` is false. */
export async function seedFeature(
  s: EditorSession,
  id: string,
  graph: unknown,
  options: { publish?: boolean; name?: string } = {},
): Promise<void> {
  await s.admin('POST', '/features', { id, name: options.name ?? id, customerEntitlements: ['premium'] });
  await s.admin('PUT', `/features/${id}/draft`, { graph });
  if (options.publish !== false) await s.admin('POST', `/features/${id}/publish`, { note: 'seed', author: 'seed' });
}

/** Fills the break-glass admin key form (folded away under the account sign-in) and submits it. */
export async function submitAdminKey(page: Page, key: string): Promise<void> {
  await page.getByTestId('signin-page').waitFor();
  if (!(await page.getByTestId('signin-key').isVisible())) await page.getByTestId('signin-break-glass-open').click();
  await page.getByTestId('signin-key').fill(key);
  await page.getByTestId('signin-submit').click();
}

/** Signs in with the admin key. */
export async function signIn(s: EditorSession): Promise<void> {
  await s.page.goto(s.base);
  await submitAdminKey(s.page, ADMIN_KEY);
  await s.page.getByTestId('features-table').waitFor();
}

/** Signs in with an account's email and password. */
export async function signInAs(s: EditorSession, email: string, password: string): Promise<void> {
  await s.page.goto(s.base);
  await s.page.getByTestId('signin-email').fill(email);
  await s.page.getByTestId('signin-password').fill(password);
  await s.page.getByTestId('signin-password-submit').click();
  await s.page.getByTestId('signed-in-as').waitFor();
}

/** Drags a kind from the palette onto the canvas at (x, y) inside it. */
export async function dropNode(page: Page, kind: string, x: number, y: number): Promise<void> {
  await page.getByTestId(`palette-${kind}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
}

/**
 * Draws an edge with the mouse from a node's branch handle (or its only source handle when `branch` is null) to
 * another node's target handle; unless `expectAdded` is false, waits until the canvas has one edge more.
 */
export async function connect(
  page: Page,
  sourceNode: string,
  branch: string | null,
  targetNode: string,
  expectAdded = true,
): Promise<void> {
  const before = await page.locator('.react-flow__edge').count();
  const source = branch
    ? page.getByTestId(`handle-${sourceNode}-${branch}`)
    : page.locator(`.react-flow__node[data-id="${sourceNode}"] .react-flow__handle.source`);
  const target = page.locator(`.react-flow__node[data-id="${targetNode}"] .react-flow__handle.target`);
  const a = await source.boundingBox();
  const b = await target.boundingBox();
  if (!a || !b) throw new Error(`handles not visible: ${sourceNode}/${branch} -> ${targetNode}`);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
  if (expectAdded)
    await expect
      .poll(() => page.locator('.react-flow__edge').count(), {
        message: `edge ${sourceNode}/${branch} -> ${targetNode}`,
      })
      .toBe(before + 1);
}

/** Opens a feature's editor from the address bar and waits for its nodes. */
export async function openFeature(s: EditorSession, id: string): Promise<void> {
  await s.page.goto(`${s.base}/#/features/${encodeURIComponent(id)}`);
  await s.page.reload();
  await s.page
    .locator('.react-flow__node[data-id="start"]')
    .waitFor({ timeout: 60_000 })
    .catch(async (error) => {
      await s.shot(`fail-open-${id}`);
      throw error;
    });
  await s.page.waitForTimeout(300);
}

/** axe-core (injected into the page) serious and critical violations, as "rule: target" lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: unknown): Promise<unknown> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })) as {
      violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
    };
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
