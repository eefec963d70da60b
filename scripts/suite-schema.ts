/** Writes docs/suite.schema.json, the JSON Schema of replay suite files (`npm run docs`); a test checks it is current. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SuiteSchema } from '../engine';

export function suiteSchemaText(): string {
  const schema = z.toJSONSchema(SuiteSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify(
    {
      ...schema,
      $id: 'https://claimflow.dev/schemas/suite.json',
      title: 'Claimflow replay suite',
      description:
        'Cases of sample input (claims treated as verified, or a signed token verified with the live settings, plus optional context, evaluation time, visitor id and assumed trial states) with the expected decision (and optionally path and user state).',
    },
    null,
    2,
  )}\n`;
}

if (process.argv[1]?.endsWith('suite-schema.ts')) {
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'suite.schema.json'), suiteSchemaText());
}
