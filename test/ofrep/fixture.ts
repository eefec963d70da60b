/**
 * A real service process (test/helpers/service.ts) set up over its HTTP admin API: HS256 JWT settings, entitlement
 * premium, product gold, feature `article` (the Zephr tutorial rule) and feature `copy-test` (a split test).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { ROOT, type Service, startService } from '../helpers/service';

export const ADMIN_KEY = 'ofrep-admin-key-0123456789abcdef';
export const SECRET = 'an-ofrep-test-secret-of-at-least-32-bytes';
const admin = { 'x-claimflow-admin-key': ADMIN_KEY, 'content-type': 'application/json' };

export const example = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'engine', 'examples', `${name}.json`), 'utf8')) as {
    nodes: { id: string; type: string; data: Record<string, unknown> }[];
    edges: unknown[];
  };

export function token(claims: Record<string, unknown>, expiresIn: string | number = '1h'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(SECRET));
}

/** Tokens for the three user states (and one expired). */
export async function tokens() {
  const past = Math.floor(Date.now() / 1000) - 3600;
  return {
    registered: await token({ sub: 'reader-1' }),
    alabama: await token({ sub: 'reader-2', state: 'Alabama' }),
    customer: await token({ sub: 'reader-3', prodsub: 'gold' }),
    expired: await token({ sub: 'reader-4', prodsub: 'gold' }, past),
  };
}

async function call(base: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: admin,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Creates a feature (customer entitlement premium) and publishes `graph`. */
export async function createFeature(base: string, id: string, graph: unknown): Promise<number> {
  await call(base, 'POST', '/admin/v1/features', { id, name: id, customerEntitlements: ['premium'] });
  return publish(base, id, graph);
}

/** Saves `graph` as the draft of `feature` and publishes it; returns the new version number. */
export async function publish(base: string, feature: string, graph: unknown): Promise<number> {
  await call(base, 'PUT', `/admin/v1/features/${feature}/draft`, { graph });
  const out = (await call(base, 'POST', `/admin/v1/features/${feature}/publish`, { note: 'test', author: 'qa' })) as {
    version: number;
  };
  return out.version;
}

export interface Fixture {
  service: Service;
  base: string;
  close(): Promise<void>;
}

/** Starts the service and configures it; `env` adds variables (e.g. CLAIMFLOW_CORS_ORIGINS). */
export async function startConfigured(env: Record<string, string> = {}): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-ofrep-'));
  const service = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY, ...env });
  const base = service.url;
  await call(base, 'PUT', '/admin/v1/settings/jwt', {
    key: { kind: 'secret', secret: SECRET },
    algorithms: ['HS256'],
    productsClaim: 'prodsub',
  });
  await call(base, 'PUT', '/admin/v1/entitlements/premium', { name: 'Premium' });
  await call(base, 'PUT', '/admin/v1/products/gold', {
    name: 'Gold',
    claimValues: ['gold'],
    entitlementIds: ['premium'],
  });
  for (const [id, graph] of [
    ['article', 'zephr-tutorial'],
    ['copy-test', 'split-test'],
  ] as const) {
    await createFeature(base, id, example(graph));
  }
  return {
    service,
    base,
    close: async () => {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The Zephr rule with the anonymous outcome renamed, for "a publish reaches the client" tests. */
export function articleWithAnonymousDecision(decision: string) {
  const graph = example('zephr-tutorial');
  const regwall = graph.nodes.find((n) => n.id === 'regwall');
  if (!regwall) throw new Error('no regwall node');
  regwall.data = { ...regwall.data, decision };
  return graph;
}
