/**
 * The OpenAPI document (`/docs/json`, committed as docs/openapi.json by `npm run docs`) describes every route
 * completely: it is current, a real OpenAPI validator accepts it, every operation has an operationId, a summary,
 * its request body and parameters, success and error responses with schemas and its security requirement, and no
 * route of the service is missing from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, testApp } from './helpers';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string; schema?: unknown }>;
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

let app: FastifyInstance;
let close: () => Promise<void>;
let served: Doc;
const committed = (): Doc => JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );

beforeAll(async () => {
  ({ app, close } = await testApp());
  served = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
});
afterAll(async () => close());

describe('docs/openapi.json', () => {
  it('is current (run npm run docs after changing a route or a schema)', async () => {
    const { openapiText } = await import('../../scripts/openapi');
    expect(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8')).toBe(await openapiText());
  }, 30_000);

  it('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    const doc = committed();
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('has an operationId, summary and tags on every operation, each id once', () => {
    const ops = operations(committed());
    expect(ops.length).toBeGreaterThanOrEqual(88);
    for (const { path, method, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the request body of every operation that takes one, and every path parameter', () => {
    for (const { path, method, op } of operations(committed())) {
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        expect(schema, `${method} ${path} request body`).toBeTruthy();
      }
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))
        expect(
          op.parameters?.some((p) => p.in === 'path' && p.name === name && p.schema),
          `${method} ${path} parameter ${name}`,
        ).toBe(true);
    }
  });

  it('gives every operation success and error responses, each with its schema', () => {
    for (const { path, method, op } of operations(committed())) {
      const statuses = Object.keys(op.responses);
      const where = `${method} ${path}`;
      expect(
        statuses.some((s) => Number(s) < 400),
        `${where} success`,
      ).toBe(true);
      expect(
        statuses.some((s) => Number(s) >= 400),
        `${where} errors`,
      ).toBe(true);
      for (const status of statuses) {
        expect(op.responses[status].description, `${where} ${status}`).not.toBe('Default Response');
        if (['204', '302', '304'].includes(status)) continue;
        const content = op.responses[status].content ?? {};
        expect(Object.values(content)[0]?.schema, `${where} ${status} schema`).toBeTruthy();
      }
    }
  });

  it('answers errors in the one error shape on every non-OpenFeature route', () => {
    for (const { path, method, op } of operations(committed())) {
      if (path.startsWith('/ofrep/')) continue;
      for (const status of Object.keys(op.responses).filter((s) => Number(s) >= 400 && s !== '503'))
        expect(op.responses[status].content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
    }
  });

  it('puts the admin credentials on every admin route except sign-in, and none on public routes', () => {
    const publicAdmin = new Set([
      'GET /admin/v1/session/options',
      'POST /admin/v1/session',
      'GET /admin/v1/session/oidc',
      'GET /admin/v1/session/oidc/callback',
    ]);
    for (const { path, method, op } of operations(committed())) {
      const key = `${method} ${path}`;
      if (path.startsWith('/admin/') && !publicAdmin.has(key))
        expect(op.security, key).toEqual([{ adminKey: [] }, { apiToken: [] }, { session: [] }]);
      else expect(op.security ?? [], key).toEqual([]);
    }
  });

  it('lists every route the service has (nothing undocumented)', () => {
    const documented = new Set(
      operations(served).map(({ path, method }) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const routes = app.routeTable.routes
      .filter((r) => !r.url.startsWith('/docs'))
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !r.startsWith('GET /admin/v1/session/oidc')); // registered only with single sign-on configured
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('has examples for a decision, a batch request, JWT settings of each key kind and a suite', () => {
    const schemas = committed().components.schemas as Record<string, { examples?: unknown[] }>;
    expect(schemas.Decision.examples?.length).toBeGreaterThan(0);
    expect(schemas.DecisionRequestInput.examples?.length).toBeGreaterThan(1);
    const kinds = (schemas.JwtSettingsBodyInput.examples as Array<{ key: { kind: string } }>).map((e) => e.key.kind);
    expect(new Set(kinds)).toEqual(new Set(['none', 'secret', 'spki', 'x509', 'jwks', 'jwksUrl']));
    expect(schemas.SuiteBodyInput.examples?.length).toBeGreaterThan(0);
  });
});
