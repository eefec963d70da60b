/**
 * SQLite schema migrations, applied in order at open (each in its own BEGIN IMMEDIATE transaction) and recorded in
 * `schema_migrations`. Append only: an applied migration is never edited.
 */
export const SQLITE_MIGRATIONS: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE entitlements (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT REFERENCES entitlements(id));
   CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, claim_values TEXT NOT NULL, entitlement_ids TEXT NOT NULL);
   CREATE TABLE features (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, customer_entitlements TEXT NOT NULL, draft TEXT NOT NULL,
     draft_updated_at TEXT NOT NULL, published_version INTEGER, settings TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE versions (
     feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE, version INTEGER NOT NULL,
     graph TEXT NOT NULL, compiled TEXT NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL,
     created_at TEXT NOT NULL, rolled_back_from INTEGER, PRIMARY KEY (feature_id, version));
   CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END;
   CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, feature_id TEXT NOT NULL, version INTEGER NOT NULL);
   CREATE TABLE suites (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     name TEXT NOT NULL, cases TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE INDEX suites_feature ON suites(feature_id);
   CREATE TABLE decision_log (id INTEGER PRIMARY KEY AUTOINCREMENT, feature_id TEXT NOT NULL, version INTEGER NOT NULL,
     at TEXT NOT NULL, input TEXT NOT NULL, decision TEXT, path TEXT NOT NULL);
   CREATE INDEX decision_log_feature ON decision_log(feature_id, id);
   CREATE TABLE meter_uses (tracker TEXT NOT NULL, visitor TEXT NOT NULL, at INTEGER NOT NULL, content_id TEXT);
   CREATE INDEX meter_uses_key ON meter_uses(tracker, visitor, at);`,
  // `expires_at` (epoch ms, NULL: never): when a use stops counting for the meter that recorded it (pruning).
  `ALTER TABLE meter_uses ADD COLUMN expires_at INTEGER;
   CREATE INDEX meter_uses_expiry ON meter_uses(expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE meter_prune_lease (id INTEGER PRIMARY KEY, pruned_at INTEGER NOT NULL);
   INSERT INTO meter_prune_lease (id, pruned_at) VALUES (1, 0);`,
  // People: users, sessions (only a hash of the session id is stored), API tokens (hashed), the append-only audit log.
  `CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')), password_hash TEXT, subject TEXT UNIQUE,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')), hash TEXT NOT NULL UNIQUE,
     created_by TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
   CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor_type TEXT NOT NULL,
     actor_id TEXT, actor_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT);
   CREATE INDEX audit_log_at ON audit_log(at);
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`,
  // Release flow: the version live per non-default environment (the default one stays features.published_version,
  // so existing sites keep working), environment and kind on the change feed, site keys and change requests.
  `CREATE TABLE environment_versions (feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     environment TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (feature_id, environment));
   ALTER TABLE changes ADD COLUMN environment TEXT;
   ALTER TABLE changes ADD COLUMN kind TEXT;
   CREATE TABLE site_keys (id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, environment TEXT NOT NULL,
     origins TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
   CREATE TABLE change_requests (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     environment TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE INDEX change_requests_status ON change_requests(status, created_at);`,
  // Release flow (part B): webhooks with their stored delivery queue, and scheduled changes (claimed with a conditional
  // UPDATE ... RETURNING inside BEGIN IMMEDIATE, so each runs once).
  `CREATE TABLE webhooks (id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
     secret TEXT NOT NULL, enabled INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
     event TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL, lease_until INTEGER, log TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL,
     finished_at TEXT);
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
   CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created_at);
   CREATE TABLE scheduled_changes (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL, environment TEXT NOT NULL,
     action TEXT NOT NULL, version INTEGER, snapshot TEXT, from_environment TEXT, run_at INTEGER NOT NULL,
     time_zone TEXT NOT NULL, local_time TEXT NOT NULL, note TEXT NOT NULL, status TEXT NOT NULL, created_by TEXT NOT NULL,
     created_at TEXT NOT NULL, claimed_by TEXT, lease_until INTEGER, ran_at TEXT, late_ms INTEGER, result TEXT, error TEXT);
   CREATE INDEX scheduled_changes_due ON scheduled_changes(status, run_at);`,
  // A scheduled change that applies an approved change request at its go-live time (issue 14).
  'ALTER TABLE scheduled_changes ADD COLUMN change_request_id TEXT;',
];
