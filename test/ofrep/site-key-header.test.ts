/** The site key header name is configuration (CLAIMFLOW_SITE_KEY_HEADER), validated at start like every variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config/config';

describe('CLAIMFLOW_SITE_KEY_HEADER', () => {
  it('defaults to x-claimflow-site-key and takes a header name (lower-cased)', () => {
    const plain = loadConfig({});
    expect(plain.ok && plain.config.siteKeyHeader).toBe('x-claimflow-site-key');
    const set = loadConfig({ CLAIMFLOW_SITE_KEY_HEADER: 'X-Site-Key' });
    expect(set.ok && set.config.siteKeyHeader).toBe('x-site-key');
  });

  it('refuses a value that is not a header name, naming the variable', () => {
    const bad = loadConfig({ CLAIMFLOW_SITE_KEY_HEADER: 'x site: key' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((p) => p.message).join('\n')).toContain('CLAIMFLOW_SITE_KEY_HEADER');
  });
});
