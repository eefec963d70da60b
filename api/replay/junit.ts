/** JUnit XML for a suite run, the format CI systems read (one <testcase> per replay case). */
import type { SuiteRun } from '../../engine';

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
export function junitXml(suiteName: string, against: string, run: SuiteRun, seconds: number): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="claimflow replay" tests="${run.results.length}" failures="${run.failed}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(`${suiteName} against ${against}`)}" tests="${run.results.length}" failures="${run.failed}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
  ];
  for (const r of run.results) {
    const open = `    <testcase classname="${xml(suiteName)}" name="${xml(r.name)}">`;
    if (r.pass) {
      lines.push(`${open}</testcase>`);
    } else {
      const message = r.mismatches.join('; ');
      lines.push(open);
      lines.push(
        `      <failure message="${xml(message)}" type="mismatch">${xml(
          `expected: ${JSON.stringify(r.expected)}\nactual: ${JSON.stringify(r.actual)}`,
        )}</failure>`,
      );
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
