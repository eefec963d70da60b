/** API test helpers: a fresh app on a temp data folder, an HS256 token signer, the Zephr tutorial setup. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { type AppOptions, buildApp } from '../../api/app';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const SECRET = 'a-very-long-test-secret-of-at-least-32-bytes!';
export const admin = { 'x-claimflow-admin-key': ADMIN_KEY };
export const root = join(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'cf-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function testApp(
  options: Partial<AppOptions> = {},
): Promise<{ app: FastifyInstance; dir: string; close: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const app = await buildApp({ dataDir: dir, adminKey: ADMIN_KEY, editorDir: null, checkResponses: true, ...options });
  return {
    app,
    dir,
    close: async () => {
      await app.close();
      cleanup();
    },
  };
}

export async function hs256(
  claims: Record<string, unknown>,
  options: { secret?: string; expiresIn?: string | number; header?: Record<string, unknown> } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...(options.header ?? {}) }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  else if (claims.exp === undefined) jwt.setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

export function zephrGraph(): unknown {
  return JSON.parse(readFileSync(join(root, 'engine', 'examples', 'zephr-tutorial.json'), 'utf8'));
}

/** JWT settings (HS256, prodsub), entitlement premium, product gold, feature `article` with the Zephr rule. */
export async function setupZephr(
  app: FastifyInstance,
  options: { publish?: boolean; settings?: Record<string, unknown> } = {},
) {
  const put = async (url: string, payload: unknown) => {
    const res = await app.inject({ method: 'PUT', url, headers: admin, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  await put('/admin/v1/settings/jwt', {
    key: { kind: 'secret', secret: SECRET },
    algorithms: ['HS256'],
    productsClaim: 'prodsub',
    ...options.settings,
  });
  await put('/admin/v1/entitlements/premium', { name: 'Premium' });
  await put('/admin/v1/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  const created = await app.inject({
    method: 'POST',
    url: '/admin/v1/features',
    headers: admin,
    payload: { id: 'article', name: 'Article access', customerEntitlements: ['premium'] },
  });
  if (created.statusCode !== 201) throw new Error(`create: ${created.body}`);
  await put('/admin/v1/features/article/draft', { graph: zephrGraph() });
  if (options.publish !== false) {
    const pub = await app.inject({
      method: 'POST',
      url: '/admin/v1/features/article/publish',
      headers: admin,
      payload: { note: 'first', author: 'pm' },
    });
    if (pub.statusCode !== 201) throw new Error(`publish: ${pub.body}`);
  }
}
