/**
 * Property: whatever is thrown at any route of the service (generated methods, path parameters, query strings,
 * headers, tokens and bodies, over real TCP), the answer is never a 5xx, and every 4xx is the documented error shape
 * `{ error: { code, message } }` with a catalogue code whose status is the one answered. Routes are enumerated from
 * the app itself. Runs are bounded for CI; CLAIMFLOW_FUZZ_RUNS raises them.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../engine';
import { ADMIN_KEY, hs256, setupZephr, testApp } from './helpers';
import { rawRequest } from './http-raw';

const RUNS = Number(process.env.CLAIMFLOW_FUZZ_RUNS ?? 250);

let app: FastifyInstance;
let close: () => Promise<void>;
let port: number;
let tokens: string[];

beforeAll(async () => {
  ({ app, close } = await testApp());
  await setupZephr(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
  tokens = [
    await hs256({ sub: 'u-1', prodsub: 'gold' }),
    await hs256({ sub: { nested: true }, prodsub: [1, null, {}] }),
    await hs256({ sub: 'u-2' }, { expiresIn: -60 }),
    await hs256({ sub: 'u-3' }, { secret: 'another-secret-another-secret-another-secret' }),
  ];
}, 60_000);
afterAll(async () => close());

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
const b64 = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);

const token = () =>
  fc.oneof(
    fc.constantFrom(0, 1, 2, 3).map((i) => tokens[i]),
    fc.tuple(b64, b64, b64).map((p) => p.join('.')),
    fc.constantFrom('a.b.c', '', '.', '..', 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(9_000)),
    printable(60),
  );

const segment = fc.oneof(
  fc.constantFrom('article', 'missing', 'gold', 'premium', 'smoke', '1', '0', '-1', 'draft', 'published'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%00', '%2F', 'a'.repeat(150)),
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom('?dryRun=true', '?contentId=a-1&device=mobile', '?limit=abc', '?%zz=1', '?a[b]=1', '?&&&='),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        feature: fc.oneof(fc.constant('article'), fc.jsonValue({ maxDepth: 1 })),
        features: fc.array(fc.oneof(fc.constant('article'), fc.string()), { maxLength: 3 }),
        context: fc.jsonValue({ maxDepth: 2 }),
        dryRun: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 0 })),
        graph: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant({ nodes: [], edges: [] })),
        key: fc.oneof(
          fc.record({ kind: fc.constantFrom('none', 'secret', 'jwks', 'jwksUrl', 'spki'), secret: fc.string() }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        against: fc.oneof(fc.constantFrom('draft', 'published', 1, 0, -1), fc.jsonValue({ maxDepth: 0 })),
        cases: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
        name: fc.string(),
        id: fc.string(),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '{',
    '{"__proto__":{"x":1}}',
    '{"a":1,"a":2}',
    `${'['.repeat(3_000)}${']'.repeat(3_000)}`,
  ),
  fc.string({ maxLength: 80 }),
);

const request = () =>
  fc.record({
    route: fc.constantFrom(...app.routeTable.routes),
    method: fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
    ),
    params: fc.array(segment, { minLength: 4, maxLength: 4 }),
    query,
    contentType: fc.option(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/xml', 'APPLICATION/JSON') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'),
        },
        { weight: 1, arbitrary: printable(30) },
      ),
    ),
    adminKey: fc.option(
      fc.oneof({ weight: 4, arbitrary: fc.constant(ADMIN_KEY) }, { weight: 1, arbitrary: printable(40) }),
    ),
    authorization: fc.option(
      fc.oneof(
        token().map((t) => `Bearer ${t}`),
        printable(40),
      ),
    ),
    cookie: fc.option(
      fc.oneof(
        token().map((t) => `blaize_jwt=${t}`),
        printable(60).map((v) => `cf_vid=${v}`),
      ),
    ),
    preview: fc.option(fc.oneof(fc.constantFrom('draft', '1', '999', 'published'), printable(10))),
    custom: fc.option(token()),
    extra: fc.dictionary(fc.stringMatching(/^x-[a-z-]{1,15}$/), printable(40), { maxKeys: 3 }),
    body: fc.option(jsonBody, { freq: 3 }),
  });

describe('HTTP fuzz over every route', () => {
  it('enumerates the routes from the app', () => {
    const names = app.routeTable.routes.map((r) => `${r.method} ${r.url}`);
    expect(names).toContain('POST /v1/decisions');
    expect(names).toContain('PUT /admin/v1/features/:id/draft');
    expect(names).toContain('PUT /admin/v1/settings/jwt');
    expect(names.length).toBeGreaterThan(25);
  });

  it('never answers 5xx, and every 4xx is the documented error shape', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request(), async (r) => {
        let i = 0;
        const path = r.route.url.replace(/:[A-Za-z]+/g, () => r.params[i++ % r.params.length]);
        const method = r.method ?? r.route.method;
        const headers: Record<string, string> = { host: 'localhost', connection: 'close', ...r.extra };
        if (r.contentType !== null) headers['content-type'] = r.contentType;
        if (r.adminKey !== null) headers['x-claimflow-admin-key'] = r.adminKey;
        if (r.authorization !== null) headers.authorization = r.authorization;
        if (r.cookie !== null) headers.cookie = r.cookie;
        if (r.preview !== null) headers['x-claimflow-preview'] = r.preview;
        if (r.custom !== null) headers['x-custom-tkn'] = r.custom;
        const body = r.body === null ? '' : r.body;
        if (r.body !== null) headers['content-length'] = String(Buffer.byteLength(body));
        const head = Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\r\n');
        const res = await rawRequest(port, `${method} ${path}${r.query} HTTP/1.1\r\n${head}\r\n\r\n${body}`);
        const what = `${method} ${path}${r.query} -> ${res.status} ${res.body.slice(0, 300)}`;
        const key = res.status < 400 ? String(res.status) : `${res.status} ${/"code":"(\w+)"/.exec(res.body)?.[1]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        expect(res.status, what).toBeLessThan(500);
        if (res.status >= 400 && method !== 'HEAD') {
          let parsed: { error?: { code?: string; message?: unknown } };
          try {
            parsed = JSON.parse(res.body);
          } catch {
            throw new Error(`not JSON: ${what}`);
          }
          const code = parsed.error?.code as keyof typeof ERRORS;
          expect(ERRORS[code], what).toBeDefined();
          expect(ERRORS[code].status, what).toBe(res.status);
          expect(typeof parsed.error?.message, what).toBe('string');
        }
      }),
      { numRuns: RUNS },
    );
    if (process.env.CLAIMFLOW_FUZZ_STATS) console.log([...seen].sort((a, b) => b[1] - a[1]));
    // the generated requests reach the handlers, not only the guards
    expect(
      [...seen.keys()].some((k) => k.startsWith('2')),
      JSON.stringify([...seen]),
    ).toBe(true);
    expect(seen.size).toBeGreaterThan(8);
    const health = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(health.status).toBe(200);
  }, 240_000);
});
