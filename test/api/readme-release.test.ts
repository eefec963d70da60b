/**
 * Runs README's release-flow example, as written, with Node against the real service: a PM publishes to staging, the
 * staging site (its site key) sees the new version, and a second publisher approves the promotion to production.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReadmeExample } from '../helpers/readme';
import { adminCaller, ROOT, type Service, startService } from '../helpers/service';
import { ADMIN_KEY, zephrGraph } from './helpers';

const run = promisify(execFile);
let service: Service;
let dataDir: string;

const admin = adminCaller(() => service.url, ADMIN_KEY);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cf-readme-release-'));
  service = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY });
  await admin('PUT', '/entitlements/premium', { name: 'Premium' });
  await admin('PUT', '/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  await admin('POST', '/features', { id: 'article', name: 'Article', customerEntitlements: ['premium'] });
  await admin('PUT', '/features/article/draft', { graph: zephrGraph() });
  await admin('POST', '/features/article/publish', { note: 'v1' });
  const graph = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = graph.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'blackFridayOffer' };
  await admin('PUT', '/features/article/draft', { graph });
  await admin('PUT', '/environments/production', { requiresApproval: true });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('README: Release flow', () => {
  it('runs the release-flow example', async () => {
    const file = writeReadmeExample('release-flow.mjs');
    const token = async (name: string, role: string) => (await admin('POST', '/tokens', { name, role })).token;
    const { stdout } = await run(process.execPath, [file], {
      cwd: ROOT,
      timeout: 30_000,
      env: {
        ...(process.env as Record<string, string>),
        CLAIMFLOW_URL: service.url,
        PM_TOKEN: await token('pm', 'publisher'),
        REVIEWER_TOKEN: await token('reviewer', 'publisher'),
        ADMIN_TOKEN: await token('ops', 'admin'),
      },
    });
    expect(stdout.trim().split('\n')).toEqual([
      'staging: version 2 live, answers blackFridayOffer',
      'production: change request open, 1 node changed',
      'production: applied, version 2 live',
    ]);
  });
});
