import { describe, expect, it } from 'vitest';
import { graphJsonSchema, NODE_KINDS } from '../../engine';

describe('graph JSON Schema', () => {
  it('describes every node type and the edge shape', () => {
    const schema = graphJsonSchema();
    expect(schema.$schema).toContain('json-schema.org');
    const text = JSON.stringify(schema);
    for (const kind of NODE_KINDS) expect(text).toContain(`"const":"${kind}"`);
    expect(text).toContain('sourceHandle');
    expect((schema.required as string[]).sort()).toEqual(['edges', 'nodes']);
  });
});

describe('docs/graph.schema.json', () => {
  it('is current with the zod schemas', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { graphSchemaText } = await import('../../scripts/graph-schema');
    const { root } = await import('./helpers');
    expect(readFileSync(join(root, 'docs', 'graph.schema.json'), 'utf8')).toBe(graphSchemaText());
  });
});

describe('docs/suite.schema.json', () => {
  it('is current with the suite schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { suiteSchemaText } = await import('../../scripts/suite-schema');
    const { root } = await import('./helpers');
    expect(readFileSync(join(root, 'docs', 'suite.schema.json'), 'utf8')).toBe(suiteSchemaText());
  });
});
