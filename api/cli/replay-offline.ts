/** Replay offline on a data folder: opens the store directly (no server), loads the version, replays in-process. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayCase, SuiteRun } from '../../engine';
import { compiledFor } from '../features/feature-service';
import { type Against, replay } from '../replay/replay-service';
import { replayTarget } from '../replay/replay-target';
import { Runtime } from '../runtime/runtime';
import { openStore } from '../store/open-store';

export async function replayOffline(args: {
  dataDir: string;
  feature: string;
  against: Against;
  cases: readonly ReplayCase[];
  onProgress?: (done: number, total: number) => void;
}): Promise<{ run: SuiteRun; version: number | 'draft' }> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl && !existsSync(join(args.dataDir, 'claimflow.db')))
    throw new Error(`no Claimflow data in ${args.dataDir} (claimflow.db not found)`);
  const store = await openStore({ dataDir: args.dataDir, databaseUrl });
  const quiet = { warn: () => undefined };
  const runtime = new Runtime(store, quiet);
  try {
    await runtime.load();
    const version = await compiledFor(store, runtime, args.feature, args.against);
    const target = await replayTarget({ store, runtime }, args.feature, version);
    const run = await replay(target, args.cases, args.onProgress);
    return { run, version: version.version };
  } finally {
    runtime.stop();
    await store.close();
  }
}
