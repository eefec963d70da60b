/** api/store: the storage interface and its SQLite and PostgreSQL adapters. */

export { isUnavailable } from './lib/guard';
export { openStore } from './open-store';
export { CHANGES_CHANNEL, openPostgresStore, type PostgresStoreOptions } from './postgres-store';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store';
export type {
  Change,
  ChangeEvent,
  DecisionLogEntry,
  Entitlement,
  Feature,
  MeterRequest,
  MeterResult,
  MeterStore,
  Product,
  Store,
  Suite,
  Version,
  VersionSummary,
} from './store';
