/**
 * One line naming why the service could not start, from the error and the stage it happened in, for `api/main.ts`.
 * Never includes a stack trace or the database password.
 */
import { isClaimflowError } from '../../engine';

export type StartupStage = 'dataDir' | 'store' | 'listen';

interface Where {
  dataDir: string;
  host: string;
  port: number;
  databaseUrl?: string;
}

/** The cause of a startup failure in one line (no trailing newline). */
export function startupFailure(error: unknown, stage: StartupStage, where: Where): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const detail = oneLine(errorMessage(error), where.databaseUrl);
  if (stage === 'listen') {
    if (code === 'EADDRINUSE') return `port ${where.port} on ${where.host} is already in use (PORT, HOST)`;
    if (code === 'EACCES') return `not allowed to listen on port ${where.port} on ${where.host} (PORT, HOST)`;
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      return `cannot listen on ${where.host}: no such local address (HOST)`;
    return `cannot listen on ${where.host}:${where.port}: ${detail}`;
  }
  if (stage === 'dataDir' || (code && ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC'].includes(code)))
    return `the data directory ${where.dataDir} is not writable (CLAIMFLOW_DATA_DIR): ${detail}`;
  if (where.databaseUrl)
    return `the database ${redactUrl(where.databaseUrl)} cannot be used (DATABASE_URL): ${stripCode(detail)}`;
  if (isClaimflowError(error)) return `${error.code}: ${detail}`;
  return `the store in ${where.dataDir} cannot be opened: ${detail}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorMessage(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function oneLine(message: string, databaseUrl?: string): string {
  let text = message.replace(/\s+/g, ' ').trim();
  if (databaseUrl) text = text.split(databaseUrl).join(redactUrl(databaseUrl));
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function stripCode(message: string): string {
  return message.replace(/^the postgres store is unavailable: /, '');
}

/** A connection URL without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://...';
  }
}
