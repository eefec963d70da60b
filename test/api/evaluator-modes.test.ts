/**
 * Evaluator modes of the decision service: CLAIMFLOW_EVALUATOR=json-rules-engine answers from the compiled rules on
 * stock json-rules-engine with the same decisions as the fast evaluator, and shadow checks (CLAIMFLOW_SHADOW_SAMPLE)
 * count agreements and report a disagreement with feature, version and paths, never the claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config/config';
import { createShadowChecker, type ShadowReport } from '../../api/decisions/evaluators';
import { compileGraph, type Facts, prepareEvaluator } from '../../engine';
import { hs256, setupZephr, testApp, zephrGraph } from './helpers';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await (closers.pop() as () => Promise<void>)();
});

async function answers(options: Parameters<typeof testApp>[0]) {
  const t = await testApp(options);
  closers.push(t.close);
  await setupZephr(t.app);
  const visitors = [
    {},
    { authorization: `Bearer ${await hs256({ sub: 'u1' })}` },
    { authorization: `Bearer ${await hs256({ sub: 'u2', state: 'Alabama' })}` },
    { authorization: `Bearer ${await hs256({ sub: 'u3', prodsub: ['gold'] })}` },
  ];
  const out = [];
  for (const headers of visitors) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/decisions', headers, payload: { feature: 'article' } });
    expect(res.statusCode).toBe(200);
    const { decision, path, payload, userState } = res.json();
    out.push({ decision, path, payload, userState });
  }
  await new Promise((r) => setTimeout(r, 50)); // shadow checks run after the answers
  const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
  return { out, metrics };
}

describe('evaluator modes', () => {
  it('json-rules-engine on the hot path gives the same answers as the fast evaluator', async () => {
    const fast = await answers({});
    const rules = await answers({ evaluator: 'json-rules-engine' });
    expect(rules.out).toEqual(fast.out);
    expect(fast.out.map((a) => a.decision)).toEqual(['registrationWall', 'paywall', 'regionalOffer', 'fullArticle']);
  });

  it('shadow checks every sampled live decision and counts the agreements', async () => {
    const { metrics } = await answers({ shadowSample: 1 });
    expect(metrics).toMatch(/claimflow_shadow_checks_total\{result="agree"\} 4\n/);
    expect(metrics).not.toMatch(/result="disagree"/);
  });

  it('reports a disagreement with feature, version and both paths', async () => {
    const compiled = compileGraph(zephrGraph() as never);
    // A tampered artifact: the rules say something else than the decision structure for registered visitors.
    const tampered = structuredClone(compiled);
    for (const rule of tampered.rules)
      if (rule.event.params.decision === 'paywall') rule.event.params.decision = 'fullArticle';
    const facts = {
      userState: 'registered',
      claims: { sub: 'u1' },
      products: [],
      entitlements: [],
      request: {},
      tokenStatus: 'valid',
      now: Date.now(),
      buckets: {},
      trials: {},
    } as unknown as Facts;
    const live = prepareEvaluator(tampered).evaluate(facts);
    const reports: ShadowReport[] = [];
    const checker = createShadowChecker(1, (r) => reports.push(r));
    checker.maybeCheck('article', 7, tampered, facts, live);
    await new Promise((r) => setTimeout(r, 50));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      featureId: 'article',
      version: 7,
      agreed: false,
      liveDecision: 'paywall',
      shadowDecision: 'fullArticle',
    });
    expect(JSON.stringify(reports[0])).not.toContain('u1');
  });

  it('reads CLAIMFLOW_EVALUATOR and CLAIMFLOW_SHADOW_SAMPLE and refuses bad values naming the variable', () => {
    const ok = loadConfig({ CLAIMFLOW_EVALUATOR: 'json-rules-engine', CLAIMFLOW_SHADOW_SAMPLE: '0.01' });
    expect(ok).toMatchObject({ ok: true, config: { evaluator: 'json-rules-engine', shadowSample: 0.01 } });
    const bad = loadConfig({ CLAIMFLOW_EVALUATOR: 'slow', CLAIMFLOW_SHADOW_SAMPLE: '2' });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.problems.map((p) => p.message).join('\n')).toMatch(
      /CLAIMFLOW_EVALUATOR[\s\S]*CLAIMFLOW_SHADOW_SAMPLE/,
    );
    expect(bad.ok ? [] : bad.problems.map((p) => [p.code, p.field])).toEqual([
      ['CF_CONFIG_INVALID', 'CLAIMFLOW_EVALUATOR'],
      ['CF_CONFIG_INVALID', 'CLAIMFLOW_SHADOW_SAMPLE'],
    ]);
  });
});
