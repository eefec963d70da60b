/**
 * Issue 14's "Done when", as one test against the real service (a child process on SQLite) and a loopback webhook
 * receiver standing in for the newsroom's chat bridge: README's walkthrough (`release-walkthrough.mjs`) is run as
 * written. An admin makes production require approval and creates a staging and a production site key, the webhook
 * and two publishers; the PM (signed in, session cookie + CSRF token) publishes to staging, which the staging key
 * sees and the production key does not; the PM opens a promotion to production going live a few seconds ahead,
 * cannot approve it, a second publisher does; production answers the old version until the time and the new one
 * after it; the receiver got signed events for the publish, the approval and the scheduled go-live.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifySignature } from '../../api/webhooks/signature';
import { writeReadmeExample } from '../helpers/readme';
import { adminCaller, ROOT, type Service, startService } from '../helpers/service';
import { ADMIN_KEY, zephrGraph } from './helpers';

const run = promisify(execFile);
let service: Service;
let dataDir: string;
let receiver: Server;
let hookUrl: string;
/** What the newsroom's chat bridge received: the raw body and the signature header of each delivery. */
const received: Array<{ body: string; signature: string | undefined }> = [];

const admin = adminCaller(() => service.url, ADMIN_KEY);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const header = req.headers[SIGNATURE_HEADER];
      received.push({ body, signature: Array.isArray(header) ? header[0] : header });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/claimflow`;
  dataDir = mkdtempSync(join(tmpdir(), 'cf-walkthrough-'));
  service = await startService({
    CLAIMFLOW_DATA_DIR: dataDir,
    CLAIMFLOW_ADMIN_KEY: ADMIN_KEY,
    // the existing settings: scheduled changes and webhook deliveries looked for often
    CLAIMFLOW_SCHEDULE_POLL_MS: '100',
    CLAIMFLOW_WEBHOOK_POLL_MS: '100',
  });
  // what exists before the walkthrough: the article feature, version 1 live in production, a new draft
  await admin('PUT', '/entitlements/premium', { name: 'Premium' });
  await admin('PUT', '/products/gold', { name: 'Gold', claimValues: ['gold'], entitlementIds: ['premium'] });
  await admin('POST', '/features', { id: 'article', name: 'Article', customerEntitlements: ['premium'] });
  await admin('PUT', '/features/article/draft', { graph: zephrGraph() });
  await admin('POST', '/features/article/publish', { note: 'v1' });
  const graph = zephrGraph() as { nodes: Array<{ id: string; data: Record<string, unknown> }> };
  const regwall = graph.nodes.find((n) => n.id === 'regwall');
  if (regwall) regwall.data = { decision: 'blackFridayOffer' };
  await admin('PUT', '/features/article/draft', { graph });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('release walkthrough (issue 14, "Done when")', () => {
  it('staging first, approval by a second publisher, production at its scheduled time, the newsroom told', async () => {
    const file = writeReadmeExample('release-walkthrough.mjs');
    const { stdout } = await run(process.execPath, [file], {
      cwd: ROOT,
      timeout: 60_000,
      env: {
        ...(process.env as Record<string, string>),
        CLAIMFLOW_URL: service.url,
        ADMIN_KEY,
        NEWSROOM_HOOK_URL: hookUrl,
      },
    });
    const lines = stdout.trim().split('\n');
    const secret = /^webhook secret for the chat bridge: (\S+)$/.exec(lines[0])?.[1] as string;
    expect(secret).toBeTruthy();
    expect(lines.slice(1, 4)).toEqual([
      'staging: version 2 live, answers blackFridayOffer',
      'production: answers registrationWall',
      expect.stringMatching(
        /^production: change request open, goes live at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d Europe\/Berlin$/,
      ),
    ]);
    expect(lines.slice(4)).toEqual([
      'PM approving: 403 CF_APPROVAL_FORBIDDEN',
      'lead approving: approved, scheduled yes',
      'production before its time: answers registrationWall',
      'production after its time: answers blackFridayOffer; schedule done, change request applied, version 2',
    ]);

    // the chat bridge got each event once, signed with the webhook's secret
    const events = () =>
      received.map((r) => ({ ...(JSON.parse(r.body) as { type: string; data: Record<string, unknown> }), r }));
    await expect
      .poll(() => events().map((e) => e.type), { timeout: 15_000 })
      .toEqual(
        expect.arrayContaining([
          'feature.published',
          'change_request.approved',
          'feature.promoted',
          'schedule.executed',
        ]),
      );
    for (const r of received) expect(verifySignature(secret, r.body, r.signature)).toBe(true);
    const byType = new Map(events().map((e) => [e.type, e.data]));
    expect(events()).toHaveLength(4);
    expect(byType.get('feature.published')).toMatchObject({ featureId: 'article', environment: 'staging', version: 2 });
    expect(byType.get('change_request.approved')).toMatchObject({
      featureId: 'article',
      environment: 'production',
      action: 'promote',
      actor: expect.objectContaining({ type: 'user', name: 'lead@example.com' }),
    });
    expect(byType.get('feature.promoted')).toMatchObject({
      environment: 'production',
      fromEnvironment: 'staging',
      version: 2,
    });
    expect(byType.get('schedule.executed')).toMatchObject({
      environment: 'production',
      action: 'promote',
      outcome: 'done',
      version: 2,
      late: false,
    });
  }, 90_000);
});
