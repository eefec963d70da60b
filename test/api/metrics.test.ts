/** The decision metrics are buffered off prom-client's hot path: a scrape still sees every decision answered before it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hs256, setupZephr, testApp } from './helpers';

let t: Awaited<ReturnType<typeof testApp>>;
beforeEach(async () => {
  t = await testApp();
  await setupZephr(t.app);
});
afterEach(async () => t.close());

const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
};

describe('decision metrics', () => {
  it('count every decision and latency observation exactly, across scrapes and past the buffer size', async () => {
    const registered = { authorization: `Bearer ${await hs256({ sub: 'u1' })}` };
    const post = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/v1/decisions', headers, payload: { feature: 'article' } });
    for (let i = 0; i < 3; i++) await post({});
    await post(registered);
    let text = await scrape();
    expect(value(text, 'claimflow_decisions_total{feature="article",decision="registrationWall",mode="live"}')).toBe(3);
    expect(value(text, 'claimflow_decisions_total{feature="article",decision="paywall",mode="live"}')).toBe(1);
    expect(value(text, 'claimflow_decision_duration_seconds_count{route="single"}')).toBe(4);
    // More than the 4 096 buffered observations between two scrapes: nothing is lost when the buffer flushes itself.
    for (let i = 0; i < 4200; i += 100) await Promise.all(Array.from({ length: 100 }, () => post(registered)));
    text = await scrape();
    expect(value(text, 'claimflow_decisions_total{feature="article",decision="paywall",mode="live"}')).toBe(4201);
    expect(value(text, 'claimflow_decision_duration_seconds_count{route="single"}')).toBe(4204);
    expect(value(text, 'claimflow_decision_duration_seconds_bucket{le="+Inf",route="single"}')).toBe(4204);
  });
});
