/** Writes docs/ERRORS.md from the error catalogue (`npx tsx scripts/errors-doc.ts`); a test checks it is current. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS } from '../engine/errors/catalogue';

export function errorsMarkdown(): string {
  const rows = Object.entries(ERRORS).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.doc} |`);
  return [
    '# Error codes',
    '',
    'Every error Claimflow reports carries one of these stable codes (`engine/errors/catalogue.ts`).',
    'API errors answer `{ "error": { "code", "message", "field"?, "nodeId"?, "edgeId"?, "problems"? } }` with the status below.',
    'Validation problems carry the same codes with a `severity`. Codes are never reused for another meaning.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('errors-doc.ts')) {
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'ERRORS.md'), errorsMarkdown());
}
