import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaimflowError, ERRORS, RETIRED_CODES } from '../../engine';
import { errorsMarkdown } from '../../scripts/errors-doc';
import { root } from './helpers';

describe('error catalogue', () => {
  it('has unique, well-formed codes with a status and a meaning, none retired', () => {
    const codes = Object.keys(ERRORS);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^CF_[A-Z0-9_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.doc.length).toBeGreaterThan(10);
      expect(RETIRED_CODES).not.toContain(code);
    }
  });

  it('is documented: docs/ERRORS.md is generated from it and current', () => {
    expect(readFileSync(join(root, 'docs', 'ERRORS.md'), 'utf8')).toBe(errorsMarkdown());
  });

  it('ClaimflowError carries code, status and location', () => {
    const e = new ClaimflowError('CF_GRAPH_CYCLE', 'cycle', { nodeId: 'a' });
    expect(e).toMatchObject({ code: 'CF_GRAPH_CYCLE', statusCode: 422, location: { nodeId: 'a' }, message: 'cycle' });
  });
});
