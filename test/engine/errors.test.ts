import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaimflowError, ERRORS, RETIRED_CODES } from '../../engine';
import { errorsMarkdown } from '../../scripts/errors-doc';
import { root } from './helpers';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('error catalogue', () => {
  it('has well-formed codes with a status and a meaning, none of them a retired code', () => {
    const codes = Object.keys(ERRORS);
    expect(codes.filter((c) => RETIRED_CODES.includes(c))).toEqual([]);
    expect(new Set(RETIRED_CODES).size).toBe(RETIRED_CODES.length);
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^CF_[A-Z0-9_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.doc.length).toBeGreaterThan(10);
    }
  });

  it('documents only codes that something raises (the catalogue itself aside)', () => {
    // Codes documented ahead of the code raising them (none today); each must stay unraised until removed from here.
    const known = new Set<string>([]);
    const sources = ['engine', 'api', 'sdk/src']
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((f) => !f.endsWith(join('engine', 'errors', 'catalogue.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unraised = Object.keys(ERRORS).filter((code) => !known.has(code) && !sources.includes(`'${code}'`));
    expect(unraised).toEqual([]);
    for (const code of known) expect(sources.includes(`'${code}'`), code).toBe(false);
  });

  it('is documented: docs/ERRORS.md is generated from it and current', () => {
    expect(readFileSync(join(root, 'docs', 'ERRORS.md'), 'utf8')).toBe(errorsMarkdown());
  });

  it('ClaimflowError carries code, status and location', () => {
    const e = new ClaimflowError('CF_GRAPH_CYCLE', 'cycle', { nodeId: 'a' });
    expect(e).toMatchObject({ code: 'CF_GRAPH_CYCLE', statusCode: 422, location: { nodeId: 'a' }, message: 'cycle' });
  });
});
