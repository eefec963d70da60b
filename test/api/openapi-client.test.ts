/**
 * A client generated from docs/openapi.json by a real generator (openapi-typescript) type-checks against decision and
 * admin calls, and refuses wrong ones: the document is precise enough to code against.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

const CLIENT = `
import type { components, operations, paths } from './api';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: infer R }
  ? Json<NonNullable<R>>
  : never;
type Ok<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: infer R;
}
  ? S extends keyof R
    ? Json<R[S]>
    : never
  : never;

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as T;
}

export async function decide(): Promise<string | null> {
  const request: Body<'/v1/decisions', 'post'> = { feature: 'article', context: { url: '/news/1', query: { a: 'b' } } };
  const answer = await call<Ok<'/v1/decisions', 'post', 200>>('POST', '/v1/decisions', request);
  if ('decisions' in answer) {
    const entry = answer.decisions[0];
    return 'error' in entry ? entry.error.code : entry.decision;
  }
  const status: 'valid' | 'missing' | 'invalid' | 'expired' = answer.token.status;
  const version: number | 'draft' = answer.version;
  void status;
  void version;
  return answer.decision;
}

export async function decideGet(): Promise<components['schemas']['Decision']> {
  type Query = operations['decideGet']['parameters']['query'];
  const query: Query = { url: '/news/1', dryRun: 'true' };
  void query;
  return call<Ok<'/v1/decisions/{feature}', 'get', 200>>('GET', '/v1/decisions/article');
}

export async function admin(): Promise<number> {
  const created = await call<Ok<'/admin/v1/features', 'post', 201>>('POST', '/admin/v1/features', {
    id: 'article',
    name: 'Article',
  } satisfies Body<'/admin/v1/features', 'post'>);
  const published = await call<Ok<'/admin/v1/features/{id}/publish', 'post', 201>>(
    'POST',
    '/admin/v1/features/article/publish',
    { note: 'first' } satisfies Body<'/admin/v1/features/{id}/publish', 'post'>,
  );
  const settings: Body<'/admin/v1/settings/jwt', 'put'> = {
    key: { kind: 'jwksUrl', url: 'https://id.example.com/jwks.json' },
    algorithms: ['RS256'],
  };
  const saved = await call<Ok<'/admin/v1/settings/jwt', 'put', 200>>('PUT', '/admin/v1/settings/jwt', settings);
  const kind: 'none' | 'secret' | 'spki' | 'x509' | 'jwks' | 'jwksUrl' = saved.settings.key.kind;
  void kind;
  const suite: Body<'/admin/v1/features/{id}/suites/{suite}', 'put'> = {
    name: 'visitors',
    cases: [{ name: 'anonymous', input: {}, expect: { decision: 'register' } }],
  };
  const run = await call<Ok<'/admin/v1/features/{id}/suites/{suite}/run', 'post', 200>>('POST', '/x', suite);
  const error: components['schemas']['Error'] = { error: { code: 'CF_FEATURE_NOT_FOUND', message: 'no feature' } };
  void error;
  return created.publishedVersion ?? published.version + run.run.failed;
}
`;

const WRONG = `
import type { components, paths } from './api';
type Req = NonNullable<paths['/v1/decisions']['post']['requestBody']>['content']['application/json'];
export const a: Req = { feature: 'article', dryRun: 'yes' };
export const b: components['schemas']['Decision']['userState'] = 'visitor';
export const c: components['schemas']['Error'] = { error: { code: 'CF_NO_SUCH_CODE', message: '' } };
`;

function typeCheck(dir: string, file: string): string[] {
  const program = ts.createProgram([join(dir, file)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName.split('/').pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('a client generated from docs/openapi.json (openapi-typescript)', () => {
  it('type-checks decision and admin calls, and refuses wrong ones', async () => {
    const doc = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
    const types = astToString(await openapiTS(doc, { defaultNonNullable: false }));
    const dir = mkdtempSync(join(tmpdir(), 'cf-openapi-client-'));
    try {
      writeFileSync(join(dir, 'api.ts'), types);
      writeFileSync(join(dir, 'client.ts'), CLIENT);
      writeFileSync(join(dir, 'wrong.ts'), WRONG);
      expect(typeCheck(dir, 'client.ts')).toEqual([]);
      const wrong = typeCheck(dir, 'wrong.ts');
      expect(wrong).toHaveLength(3);
      expect(wrong[0]).toMatch(/'string' is not assignable to type 'boolean/);
      expect(wrong.some((d) => d.includes('"visitor"'))).toBe(true);
      expect(wrong.some((d) => d.includes('"CF_NO_SUCH_CODE"'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
