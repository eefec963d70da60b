/**
 * `claimflow users create --email ADDRESS --role viewer|editor|publisher|admin [--name NAME] [--data DIR]`: creates a
 * user directly in the store (bootstrap: the first owner on a fresh data folder, or PostgreSQL with DATABASE_URL).
 * The password comes from CLAIMFLOW_PASSWORD or the first line of standard input with --password-stdin; otherwise one
 * is generated and printed once. Recorded in the audit log as done by `cli`.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '../accounts/password';
import { newId } from '../accounts/secrets';
import { CreateUserBody } from '../contract/accounts';
import { openStore } from '../store/open-store';
import type { CliIo } from './io';

export const USERS_USAGE = `usage: claimflow users create --email ADDRESS --role viewer|editor|publisher|admin [--name NAME]
                            [--data DIR] [--password-stdin]
  password: CLAIMFLOW_PASSWORD, or one line on standard input with --password-stdin, or generated and printed once
  store: --data DIR (default CLAIMFLOW_DATA_DIR or ./data), or DATABASE_URL for PostgreSQL`;

async function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].replace(/\r$/, '');
}

export async function usersCommand(rest: string[], io: CliIo, stdin: NodeJS.ReadableStream = process.stdin) {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(rest);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USERS_USAGE}`);
    return 2;
  }
  if (args.positionals[0] !== 'create') {
    io.err(USERS_USAGE);
    return 2;
  }
  const { email, role, name, data } = args.values;
  let password = process.env.CLAIMFLOW_PASSWORD ?? '';
  if (args.values['password-stdin']) password = await readLine(stdin);
  const generated = password === '';
  if (generated) password = randomBytes(18).toString('base64url');
  const checked = CreateUserBody.safeParse({ email, role, name: name ?? email ?? '', password });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    io.err(`--${String(issue.path[0] ?? 'email')}: ${issue.message}\n${USERS_USAGE}`);
    return 2;
  }
  const store = await openStore({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: data ?? process.env.CLAIMFLOW_DATA_DIR ?? './data',
  }).catch((error: Error) => {
    io.err(`cannot open the store: ${error.message}`);
    return null;
  });
  if (!store) return 2;
  try {
    const id = newId('u');
    const user = await store.createUser(
      {
        id,
        email: checked.data.email,
        name: checked.data.name,
        role: checked.data.role,
        passwordHash: await hashPassword(password),
        subject: null,
      },
      {
        actor: { type: 'system', id: null, name: 'cli' },
        action: 'user.create',
        target: `user:${id}`,
        afterOf: (u) => u,
      },
    );
    io.out(`created ${user.role} ${user.email} (${user.id})`);
    if (generated) io.out(`password (shown once): ${password}`);
    return 0;
  } catch (error) {
    io.err(`cannot create the user: ${(error as Error).message}`);
    return 2;
  } finally {
    await store.close();
  }
}

function parse(rest: string[]) {
  return parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      data: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });
}
