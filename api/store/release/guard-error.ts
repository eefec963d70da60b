/** Backend failures of the release tables surface as CF_STORE_UNAVAILABLE, like the main store's. */
import { isUnavailable, unavailable } from '../lib/guard';

export function guardError(error: unknown, kind: 'sqlite' | 'postgres'): unknown {
  return isUnavailable(error) ? unavailable(error, kind) : error;
}
