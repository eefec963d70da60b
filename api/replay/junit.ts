/**
 * JUnit XML for a suite run, the format CI systems read (one <testcase> per replay case). A case with a token carries
 * its token status and reason as testcase properties (`token.status`, `token.reason`) and in the failure text.
 */
import type { CaseResult, SuiteRun } from '../../engine';
import type { CaseToken } from './replay-service';

/** A run whose results may carry each case's token status (replays over the API and offline both do). */
export type JunitRun = Omit<SuiteRun, 'results'> & { results: Array<CaseResult & { token?: CaseToken | null }> };

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .split('')
    .filter((ch) => {
      const c = ch.charCodeAt(0);
      return c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; // XML 1.0 forbids other control characters
    })
    .join('');
}

/**
 * @example writeFileSync('replay.xml', junitXml('article-access', 'draft', run, 0.42))
 */
export function junitXml(suiteName: string, against: string, run: JunitRun, seconds: number): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="claimflow replay" tests="${run.results.length}" failures="${run.failed}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(`${suiteName} against ${against}`)}" tests="${run.results.length}" failures="${run.failed}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
  ];
  for (const r of run.results) {
    const open = `    <testcase classname="${xml(suiteName)}" name="${xml(r.name)}">`;
    const token = r.token ?? null;
    if (r.pass && !token) {
      lines.push(`${open}</testcase>`);
      continue;
    }
    lines.push(open);
    if (token) {
      lines.push('      <properties>');
      lines.push(`        <property name="token.status" value="${xml(token.status)}"/>`);
      if (token.reason !== null) lines.push(`        <property name="token.reason" value="${xml(token.reason)}"/>`);
      lines.push('      </properties>');
    }
    if (!r.pass) {
      const tokenLine = token ? `\ntoken: ${token.status}${token.reason === null ? '' : ` (${token.reason})`}` : '';
      lines.push(
        `      <failure message="${xml(r.mismatches.join('; '))}" type="mismatch">${xml(
          `expected: ${JSON.stringify(r.expected)}\nactual: ${JSON.stringify(r.actual)}${tokenLine}`,
        )}</failure>`,
      );
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
