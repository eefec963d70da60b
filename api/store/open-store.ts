/** Chooses the store: PostgreSQL when a postgres:// URL is given, otherwise embedded SQLite in the data folder. */
import { openPostgresStore } from './postgres-store';
import { openSqliteStore } from './sqlite-store';
import type { Store } from './store';

export function openStore(options: { databaseUrl?: string; dataDir: string }): Promise<Store> {
  if (options.databaseUrl && /^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    return openPostgresStore({ url: options.databaseUrl });
  }
  return openSqliteStore({ dataDir: options.dataDir });
}
