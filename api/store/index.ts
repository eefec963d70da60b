/** api/store: the storage interface and its SQLite and PostgreSQL adapters. */
export { openStore } from './open-store';
export { openPostgresStore } from './postgres-store';
export { openSqliteStore } from './sqlite-store';
export type {
  ChangeEvent,
  DecisionLogEntry,
  Entitlement,
  Feature,
  MeterRequest,
  MeterResult,
  Product,
  Store,
  Suite,
  Version,
  VersionSummary,
} from './store';
