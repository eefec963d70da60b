/**
 * The local-evaluation SDK with a site key (passed in `headers`): it decides from the snapshot of the key's
 * environment, and a publish to that environment reaches it through the change stream, while a client without a key
 * keeps the default environment's versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimflowClient, createClaimflowClient } from '../../sdk/src';
import { adminCaller } from '../helpers/service';
import { ADMIN_KEY, articleWithAnonymousDecision, type Fixture, SECRET, startConfigured } from '../ofrep/fixture';

let fx: Fixture;
const clients: ClaimflowClient[] = [];

const admin = adminCaller(() => fx.base, ADMIN_KEY);

const publishTo = async (env: string, decision: string) => {
  await admin('PUT', '/features/article/draft', { graph: articleWithAnonymousDecision(decision) });
  return (await admin('POST', `/features/article/environments/${env}/publish`, {})).version as number;
};

beforeAll(async () => {
  fx = await startConfigured(); // article version 1 live in production
});
afterAll(async () => {
  for (const c of clients) c.close();
  await fx?.close();
});

describe('SDK with a site key', () => {
  it("decides from its environment's snapshot and hears that environment's publishes", async () => {
    expect(await publishTo('staging', 'softWall')).toBe(2);
    const { key } = await admin('POST', '/site-keys', { name: 'staging sdk', environment: 'staging' });
    const staging = createClaimflowClient({
      url: fx.base,
      secret: SECRET,
      pollIntervalMs: 0,
      headers: { 'x-claimflow-site-key': key },
    });
    const production = createClaimflowClient({ url: fx.base, secret: SECRET, pollIntervalMs: 0 });
    clients.push(staging, production);
    await Promise.all([staging.ready(), production.ready()]);
    expect(await staging.decide('article', {})).toMatchObject({ decision: 'softWall', version: 2 });
    expect(await production.decide('article', {})).toMatchObject({ decision: 'registrationWall', version: 1 });

    const heard = new Promise<void>((resolve) => {
      const off = staging.onChange((s) => {
        if (s.features.find((f) => f.id === 'article')?.version === 3) {
          off();
          resolve();
        }
      });
    });
    expect(await publishTo('staging', 'hardWall')).toBe(3);
    await heard;
    expect(await staging.decide('article', {})).toMatchObject({ decision: 'hardWall', version: 3 });
    expect(production.version('article')).toBe(1);
  });
});
