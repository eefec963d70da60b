/** Writes docs/graph.schema.json, the JSON Schema of the graph format (`npm run docs`); a test checks it is current. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphJsonSchema } from '../engine';

export function graphSchemaText(): string {
  return `${JSON.stringify(graphJsonSchema(), null, 2)}\n`;
}

if (process.argv[1]?.endsWith('graph-schema.ts')) {
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'graph.schema.json'), graphSchemaText());
}
