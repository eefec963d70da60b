/**
 * Writes docs/openapi.json, the OpenAPI 3.1 document of every route, generated from the schemas the service validates
 * and serializes with (`api/contract/`), as `/docs/json` serves it (`npm run docs`); a test checks it is current.
 * Single sign-on routes are included (an OpenID issuer is configured but never contacted).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../api/app';

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-openapi-'));
  const app = await buildApp({
    dataDir: dir,
    adminKey: 'openapi-document-generation-key-0123456789',
    editorDir: null,
    refreshIntervalMs: 0,
    meterPruneIntervalMs: 0,
    oidc: { issuer: 'https://sso.example.invalid', clientId: 'claimflow', clientSecret: 'unused' },
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}: ${res.body}`);
    return res.json();
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function openapiText(): Promise<string> {
  return `${JSON.stringify(await openapiDocument(), null, 2)}\n`;
}

if (process.argv[1]?.endsWith('openapi.ts')) {
  writeFileSync(join(import.meta.dirname, '..', 'docs', 'openapi.json'), await openapiText());
}
