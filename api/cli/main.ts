/**
 * `claimflow` command line:
 *   claimflow replay <suite.json> [--feature <id>] --against draft|published|<n> [--server URL | --data DIR]
 *     [--token TOKEN | --admin-key KEY] [--junit FILE] [--progress]
 *   claimflow users create --email ADDRESS --role ROLE [--name NAME] [--data DIR] [--password-stdin]
 * Exit codes: 0 every case passed, 1 a case failed, 2 bad usage or an unusable suite / server / data folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseSuite, type SuiteRun } from '../../engine';
import { junitXml } from '../replay/junit';
import { type Against, parseAgainst } from '../replay/replay-service';
import type { CliIo } from './io';
import { progressBar } from './progress';
import { replayOffline } from './replay-offline';
import { replayOnServer } from './replay-server';
import { USERS_USAGE, usersCommand } from './users';

const REPLAY_USAGE = `usage: claimflow replay <suite.json> [--feature <id>] --against draft|published|<n> [--server URL | --data DIR]
                        [--token TOKEN | --admin-key KEY] [--junit FILE] [--progress]
  --feature ID   the feature to replay on (default: the suite's own "feature")
  --against V    draft, published (default) or a version number
  --server URL   replay on a running Claimflow service, authorized by an API token (--token or CLAIMFLOW_TOKEN,
                 role viewer is enough) or the admin key (--admin-key or CLAIMFLOW_ADMIN_KEY)
  --data DIR     replay offline on a data folder (embedded SQLite; or DATABASE_URL for PostgreSQL)
  --junit FILE   also write JUnit XML for CI systems
  --progress     show a progress bar on stderr
exit code: 0 all passed, 1 some case failed, 2 usage or input error`;
const USAGE = `claimflow: replay QA suites and manage users of a Claimflow service (--help after a command for its options)
${REPLAY_USAGE}
${USERS_USAGE}`;
const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

export type { CliIo } from './io';

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    if (command === undefined) {
      io.err(USAGE);
      return 2;
    }
    io.out(USAGE);
    return 0;
  }
  if (command === 'users') {
    if (wantsHelp(rest)) {
      io.out(USERS_USAGE);
      return 0;
    }
    return usersCommand(rest, io);
  }
  if (command === 'replay' && wantsHelp(rest)) {
    io.out(REPLAY_USAGE);
    return 0;
  }
  if (command !== 'replay') {
    io.err(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
    return 2;
  }
  let args: ReturnType<typeof parse>;
  try {
    args = parse(rest);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = args.positionals[0];
  const { server, data, junit } = args.values;
  const against = parseAgainst(args.values.against ?? 'published');
  if (!file || against === null || (server && data) || (!server && !data)) {
    io.err(
      !file
        ? `missing the suite file\n${REPLAY_USAGE}`
        : against === null
          ? `--against must be draft, published or a version number\n${REPLAY_USAGE}`
          : `give exactly one of --server or --data\n${REPLAY_USAGE}`,
    );
    return 2;
  }
  if (data && !existsSync(data)) {
    io.err(`the data folder ${data} does not exist`);
    return 2;
  }

  let suiteJson: unknown;
  try {
    suiteJson = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    io.err(`cannot read suite ${file}: ${(error as Error).message}`);
    return 2;
  }
  const parsed = parseSuite(suiteJson);
  if (!parsed.ok) {
    io.err(`suite ${file} is invalid (CF_SUITE_INVALID):`);
    for (const p of parsed.problems.slice(0, 50)) io.err(`  ${p.message}`);
    if (parsed.problems.length > 50) io.err(`  ... and ${parsed.problems.length - 50} more`);
    return 2;
  }
  const suite = parsed.suite;
  const feature = args.values.feature ?? suite.feature;
  if (!feature) {
    io.err(`missing --feature (the suite names no "feature")\n${REPLAY_USAGE}`);
    return 2;
  }
  const bar = progressBar(process.stderr, args.values.progress === true);
  const started = performance.now();
  let run: SuiteRun;
  let version: number | 'draft';
  try {
    const result = server
      ? await replayOnServer({
          server,
          token: args.values.token ?? process.env.CLAIMFLOW_TOKEN,
          adminKey: args.values['admin-key'] ?? process.env.CLAIMFLOW_ADMIN_KEY ?? '',
          feature,
          against,
          cases: suite.cases,
          onProgress: bar.update,
        })
      : await replayOffline({ dataDir: data as string, feature, against, cases: suite.cases, onProgress: bar.update });
    run = result.run;
    version = result.version;
  } catch (error) {
    bar.finish();
    io.err(`replay failed: ${(error as Error).message}`);
    return 2;
  }
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  report(io, suite.name, feature, against, version, run);
  if (junit) writeFileSync(junit, junitXml(suite.name, `${feature}@${version}`, run, seconds));
  return run.failed > 0 ? 1 : 0;
}

function parse(rest: string[]) {
  return parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      feature: { type: 'string' },
      against: { type: 'string' },
      server: { type: 'string' },
      data: { type: 'string' },
      'admin-key': { type: 'string' },
      token: { type: 'string' },
      junit: { type: 'string' },
      progress: { type: 'boolean' },
    },
  });
}

function report(io: CliIo, suite: string, feature: string, against: Against, version: number | 'draft', run: SuiteRun) {
  io.out(`replay "${suite}" on feature ${feature}, against ${against} (version ${version})`);
  for (const r of run.results) {
    if (r.pass) continue;
    io.out(`FAIL ${r.name}`);
    for (const m of r.mismatches) io.out(`     ${m}`);
    if (r.actual.path.length) io.out(`     path taken: ${r.actual.path.join(' > ')}`);
  }
  io.out(run.summary);
}
