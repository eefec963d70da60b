/**
 * Runs every ```http example of docs/API.md, in order, against the service (admin requests with the admin key,
 * `$VISITOR_TOKEN` a token signed with the guide's secret): each must succeed, and each answer must be what the
 * reference declares (responses are checked against their schemas in tests). Also checks that the README's replay
 * and settings examples match the schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSuite } from '../../engine';
import { ADMIN_KEY, hs256, root, testApp } from './helpers';

const GUIDE_SECRET = 'an-example-secret-of-at-least-32-bytes!';

interface Example {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

function httpExamples(markdown: string): Example[] {
  return [...markdown.matchAll(/```http\n([\s\S]*?)```/g)].map((m) => {
    const [head, ...rest] = m[1].split('\n');
    const [method, url] = head.split(' ');
    const headers: Record<string, string> = {};
    let i = 0;
    for (; i < rest.length && rest[i].trim() !== ''; i++) {
      const [name, ...value] = rest[i].split(':');
      headers[name.trim().toLowerCase()] = value.join(':').trim();
    }
    const text = rest.slice(i).join('\n').trim();
    return { method, url, headers, body: text ? JSON.parse(text) : undefined };
  });
}

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, close } = await testApp());
});
afterAll(async () => close());

describe('docs/API.md', () => {
  it('runs every example, in order, against the service', async () => {
    const examples = httpExamples(readFileSync(join(root, 'docs', 'API.md'), 'utf8'));
    expect(examples.length).toBeGreaterThanOrEqual(15);
    const token = await hs256({ sub: 'u1', prodsub: ['gold'], iss: 'x' }, { secret: GUIDE_SECRET });
    const answers: Record<string, unknown> = {};
    for (const e of examples) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(e.headers)) headers[k] = v.replace('$VISITOR_TOKEN', token);
      if (e.url.startsWith('/admin/')) headers['x-claimflow-admin-key'] = ADMIN_KEY;
      const res = await app.inject({
        method: e.method as 'GET',
        url: e.url,
        headers,
        ...(e.body === undefined ? {} : { payload: e.body as object }),
      });
      expect(res.statusCode, `${e.method} ${e.url}: ${res.body}`).toBeLessThan(300);
      answers[`${e.method} ${e.url}`] = res.json();
    }
    // the guide's story holds: the gold visitor sees the article, the batch answers the unknown feature in place
    expect(answers['POST /v1/decisions']).toMatchObject({
      decisions: [{ feature: 'article' }, { error: { code: 'CF_FEATURE_NOT_FOUND' } }],
    });
    expect(answers['POST /admin/v1/features/article/suites/visitors/run']).toMatchObject({ run: { failed: 0 } });
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = (title: string) => {
    const start = readme.indexOf(`\n## ${title}`);
    expect(start, title).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end === -1 ? undefined : end);
  };
  const jsonBlocks = (text: string) => [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));

  it("replay section's suite is a valid suite file", () => {
    const blocks = jsonBlocks(section('QA replay'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const suite of blocks) {
      const parsed = parseSuite(suite);
      expect(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.problems)).toBe(true);
    }
  });

  it("settings section's JWT settings are accepted by PUT /admin/v1/settings/jwt", async () => {
    const blocks = jsonBlocks(section('Quick start'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const settings of blocks) {
      const res = await app.inject({
        method: 'PUT',
        url: '/admin/v1/settings/jwt',
        headers: { 'x-claimflow-admin-key': ADMIN_KEY },
        payload: settings,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
  });
});
