/**
 * The SDK with an asymmetric key (RS256, PEM public key): the snapshot publishes the public key, so the client needs
 * no secret; catalogue and settings changes reach it through the change stream like publishes do.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimflowClient, createClaimflowClient } from '../../sdk/src';
import { type Service, startService } from '../helpers/service';
import { example } from '../ofrep/fixture';

const ADMIN_KEY = 'sdk-rs-admin-key-0123456789abcdef';
let service: Service;
let dataDir: string;
let client: ClaimflowClient;
let sign: (claims: Record<string, unknown>) => Promise<string>;
let publicPem: string;

async function admin(method: string, url: string, body: unknown) {
  const res = await fetch(`${service.url}/admin/v1${url}`, {
    method,
    headers: { 'x-claimflow-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  publicPem = await exportSPKI(publicKey);
  sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('1h').sign(privateKey);
  dataDir = mkdtempSync(join(tmpdir(), 'cf-sdk-rs-'));
  service = await startService({ CLAIMFLOW_DATA_DIR: dataDir, CLAIMFLOW_ADMIN_KEY: ADMIN_KEY });
  await admin('PUT', '/settings/jwt', { key: { kind: 'spki', pem: publicPem }, algorithms: ['RS256'] });
  await admin('PUT', '/entitlements/premium', { name: 'Premium' });
  await admin('PUT', '/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  await admin('POST', '/features', { id: 'article', name: 'Article', customerEntitlements: ['premium'] });
  await admin('PUT', '/features/article/draft', { graph: example('zephr-tutorial') });
  await admin('POST', '/features/article/publish', { note: 'v1' });
  client = createClaimflowClient({ url: service.url, pollIntervalMs: 0 });
  await client.ready();
});
afterAll(async () => {
  client?.close();
  await service?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('SDK with a PEM public key', () => {
  it('verifies RS256 tokens locally from the published public key, without a secret', async () => {
    expect(client.snapshot?.jwt.key).toEqual({ kind: 'spki', pem: publicPem });
    expect((await client.decide('article', { token: await sign({ sub: 'r', prodsub: 'gold' }) })).decision).toBe(
      'fullArticle',
    );
    expect((await client.decide('article', { token: await sign({ sub: 'r' }) })).decision).toBe('paywall');
  });

  it('a catalogue change reaches the client through the stream: a new claim value grants the product', async () => {
    const token = await sign({ sub: 'p', prodsub: 'platinum' });
    expect((await client.decide('article', { token })).userState).toBe('registered');
    await admin('PUT', '/products/gold', {
      name: 'Gold',
      claimValues: ['gold', 'platinum'],
      entitlementIds: ['premium'],
    });
    await expect
      .poll(async () => (await client.decide('article', { token })).userState, { timeout: 10_000 })
      .toBe('customer');
  });
});
