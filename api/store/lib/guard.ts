/**
 * Turns backend failures (connection refused or lost, database locked past the busy timeout, disk I/O errors, a
 * closed store) into ClaimflowError CF_STORE_UNAVAILABLE (HTTP 503), so callers see one stable code. Claimflow's own
 * errors and anything else pass through unchanged; the original error is kept as `cause`.
 */
import { ClaimflowError, isClaimflowError } from '../../../engine/errors/catalogue';
import type { Store } from '../store';

const PG_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database was dropped
  '42P01', // undefined_table: the schema is gone (a database recreated empty; a restart migrates it)
  '42883', // undefined_function: idem (claimflow_consume_meters)
  '3F000', // invalid_schema_name
]);

/** True when `error` means "the database cannot serve us right now" rather than "this request is wrong". */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error) || isClaimflowError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (PG_UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true; // 08xxx: connection exceptions
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_IOERR')) return true;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL' || code === 'SQLITE_READONLY') return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Cannot use a pool after calling end|database connection is not open|Client has encountered a connection error/i.test(
    error.message,
  );
}

export function unavailable(error: unknown, kind: Store['kind']): ClaimflowError {
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new ClaimflowError('CF_STORE_UNAVAILABLE', `the ${kind} store is unavailable: ${message}`);
  wrapped.cause = error;
  return wrapped;
}

/** Wraps every async method of `store` so unavailability surfaces as CF_STORE_UNAVAILABLE. */
export function guardStore(store: Store): Store {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || ['onChange', 'close', 'ready', 'meterBatchStats'].includes(name)) {
      guarded[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => Promise<unknown>;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await fn.apply(store, args);
      } catch (error) {
        throw isUnavailable(error) ? unavailable(error, store.kind) : error;
      }
    };
  }
  return guarded as unknown as Store;
}
