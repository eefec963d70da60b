/** With the editor served, an unknown OFREP path is still a JSON 404 (a provider must never get the editor's HTML). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testApp } from '../api/helpers';

let close: () => Promise<void>;
let inject: Awaited<ReturnType<typeof testApp>>['app']['inject'];
const editorDir = mkdtempSync(join(tmpdir(), 'cf-editor-'));

beforeAll(async () => {
  writeFileSync(join(editorDir, 'index.html'), '<!doctype html><title>editor</title>');
  const t = await testApp({ editorDir });
  close = t.close;
  inject = t.app.inject.bind(t.app);
});
afterAll(async () => {
  await close?.();
  rmSync(editorDir, { recursive: true, force: true });
});

it('GET /ofrep/v1/<unknown> answers a JSON 404 while other GETs fall back to the editor', async () => {
  const ofrep = await inject({ method: 'GET', url: '/ofrep/v1/nothing-here' });
  expect(ofrep.statusCode).toBe(404);
  expect(ofrep.headers['content-type']).toContain('application/json');
  const page = await inject({ method: 'GET', url: '/features/article' });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('editor');
});
