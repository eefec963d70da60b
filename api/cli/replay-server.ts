/** Replay against a running service: the suite is posted in chunks (so a long suite shows progress). */
import type { ReplayCase, SuiteRun } from '../../engine';
import type { Against } from '../replay/replay-service';

const CHUNK = 2_000;

export async function replayOnServer(args: {
  server: string;
  adminKey: string;
  /** An API token (`Authorization: Bearer`); used instead of the admin key when given. */
  token?: string;
  feature: string;
  against: Against;
  cases: readonly ReplayCase[];
  onProgress?: (done: number, total: number) => void;
}): Promise<{ run: SuiteRun; version: number | 'draft' }> {
  const url = new URL(`/admin/v1/features/${encodeURIComponent(args.feature)}/replay`, args.server);
  const results: SuiteRun['results'] = [];
  let version: number | 'draft' = 'draft';
  for (let i = 0; i < args.cases.length || i === 0; i += CHUNK) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(args.token ? { authorization: `Bearer ${args.token}` } : { 'x-claimflow-admin-key': args.adminKey }),
      },
      body: JSON.stringify({ against: args.against, cases: args.cases.slice(i, i + CHUNK) }),
    }).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
      const why = error.cause?.code ?? error.cause?.message ?? error.message;
      throw new Error(`cannot reach the Claimflow service at ${url.origin} (${why})`);
    });
    const body = (await res.json().catch(() => null)) as {
      run?: SuiteRun;
      version?: number | 'draft';
      error?: { code: string; message: string };
    } | null;
    if (!res.ok || !body?.run) {
      throw new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `server answered ${res.status}`);
    }
    results.push(...body.run.results);
    version = body.version ?? version;
    args.onProgress?.(Math.min(i + CHUNK, args.cases.length), args.cases.length);
    if (args.cases.length === 0) break;
  }
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;
  return { run: { results, passed, failed, summary: `${passed} passed, ${failed} failed` }, version };
}
