/**
 * Which stored suite cases with a `token` do not verify under some JWT settings (each at its own clock), so a change
 * of key, issuer or audience shows at once which suites it breaks. Used by `GET /admin/v1/suites/token-check` and
 * meant to be called by the JWT settings route after a change.
 */
import { parseSuite, type ReplayCase, type TokenStatus } from '../../engine';
import type { JwtSettings } from '../auth';
import type { Store } from '../store/store';
import { caseClock } from './replay-service';
import { clockedVerifier } from './replay-target';

export interface TokenCaseProblem {
  feature: string;
  suite: string;
  case: string;
  /** The instant the token was verified at (the case's `now`, else the time of the check). */
  at: string;
  status: Exclude<TokenStatus, 'valid' | 'missing'>;
  reason: string;
}

export interface TokenCaseReport {
  /** Stored cases with a token that were verified. */
  checked: number;
  /** Those that do not verify under `settings` (and did under `previous`, when given). */
  failing: TokenCaseProblem[];
}

/**
 * Verifies every stored case that carries a token with `settings`, at the case's clock. With `previous`, only the
 * cases that verified under `previous` and no longer do are reported (what a settings change broke).
 * @example const { failing } = await tokenCasesNoLongerVerifying(store, next, { previous: current })
 */
export async function tokenCasesNoLongerVerifying(
  store: Store,
  settings: JwtSettings,
  options: { previous?: JwtSettings; now?: number } = {},
): Promise<TokenCaseReport> {
  const now = options.now ?? Date.now();
  const verifier = clockedVerifier(settings);
  const before = options.previous ? clockedVerifier(options.previous) : null;
  const report: TokenCaseReport = { checked: 0, failing: [] };
  for (const feature of await store.listFeatures()) {
    for (const stored of await store.listSuites(feature.id)) {
      const parsed = parseSuite({ name: stored.name, cases: stored.cases });
      if (!parsed.ok) continue;
      for (const c of parsed.suite.cases as ReplayCase[]) {
        if (c.input.token === undefined || c.input.claims) continue;
        const at = caseClock(c, now);
        report.checked++;
        const check = await verifier.verify(c.input.token, at);
        if (check.status === 'valid') continue;
        if (before && (await before.verify(c.input.token, at)).status !== 'valid') continue;
        report.failing.push({
          feature: feature.id,
          suite: stored.id.slice(feature.id.length + 1),
          case: c.name,
          at: new Date(at).toISOString(),
          status: check.status,
          reason: check.reason,
        });
      }
    }
  }
  return report;
}
