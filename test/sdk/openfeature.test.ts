/**
 * The SDK's OpenFeature provider with the official server SDK: `client.getStringValue('article', 'paywall', { token })`
 * decides locally, with the same values, reasons, metadata and error codes as the service's OFREP endpoint.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, ErrorCode, type EvaluationContext, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimflowProvider } from '../../sdk/src/openfeature';
import { articleWithAnonymousDecision, type Fixture, publish, SECRET, startConfigured, tokens } from '../ofrep/fixture';

let fx: Fixture;
let local: Client;
let remote: Client;
let provider: ClaimflowProvider;
let t: Awaited<ReturnType<typeof tokens>>;

beforeAll(async () => {
  fx = await startConfigured();
  t = await tokens();
  provider = new ClaimflowProvider({ url: fx.base, secret: SECRET, pollIntervalMs: 0 });
  await OpenFeature.setProviderAndWait('local', provider);
  await OpenFeature.setProviderAndWait('remote', new OFREPProvider({ baseUrl: fx.base }));
  local = OpenFeature.getClient('local');
  remote = OpenFeature.getClient('remote');
});
afterAll(async () => {
  await OpenFeature.close();
  await fx?.close();
});

describe('ClaimflowProvider (local evaluation through OpenFeature)', () => {
  it('getStringValue decides locally for anonymous, registered, customer and expired tokens', async () => {
    expect(await local.getStringValue('article', 'paywall', {})).toBe('registrationWall');
    expect(await local.getStringValue('article', 'paywall', { token: t.registered })).toBe('paywall');
    expect(await local.getStringValue('article', 'paywall', { token: t.customer })).toBe('fullArticle');
    expect(await local.getStringValue('article', 'paywall', { token: t.expired })).toBe('registrationWall');
  });

  it('gives the same details as the service over OFREP', async () => {
    const contexts: EvaluationContext[] = [
      {},
      { token: t.registered },
      { token: t.alabama, device: 'mobile' },
      { token: t.customer },
      { token: t.expired },
      { targetingKey: 'visitor-0042' },
    ];
    for (const context of contexts) {
      for (const flag of ['article', 'copy-test']) {
        const l = await local.getStringDetails(flag, 'fallback', context);
        const r = await remote.getStringDetails(flag, 'fallback', context);
        // error messages are worded by each side; everything else is the same
        expect({ ...l, errorMessage: undefined }).toEqual({ ...r, errorMessage: undefined });
      }
    }
  });

  it('error codes: FLAG_NOT_FOUND, TARGETING_KEY_MISSING, INVALID_CONTEXT, TYPE_MISMATCH', async () => {
    const missing = await local.getStringDetails('nope', 'fallback', {});
    expect([missing.errorCode, missing.value, missing.reason]).toEqual([ErrorCode.FLAG_NOT_FOUND, 'fallback', 'ERROR']);
    expect((await local.getStringDetails('copy-test', 'x', {})).errorCode).toBe(ErrorCode.TARGETING_KEY_MISSING);
    expect((await local.getStringDetails('article', 'x', { country: 3 as unknown as string })).errorCode).toBe(
      ErrorCode.INVALID_CONTEXT,
    );
    expect((await local.getBooleanDetails('article', false, {})).errorCode).toBe(ErrorCode.TYPE_MISMATCH);
  });

  it('a publish emits PROVIDER_CONFIGURATION_CHANGED and the next evaluation uses it', async () => {
    const changed = new Promise<void>((resolve) =>
      local.addHandler(ProviderEvents.ConfigurationChanged, () => resolve()),
    );
    await publish(fx.base, 'article', articleWithAnonymousDecision('softWall'));
    await changed;
    await expect.poll(() => local.getStringValue('article', 'paywall', {})).toBe('softWall');
  });
});
