/**
 * PostgreSQL schema migrations, applied in order at open under an advisory lock (each in its own transaction) and
 * recorded in `schema_migrations`. Append only: an applied migration is never edited.
 */
export const POSTGRES_MIGRATIONS: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value JSONB NOT NULL);
   CREATE TABLE entitlements (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent_id TEXT REFERENCES entitlements(id));
   CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT NOT NULL, claim_values JSONB NOT NULL, entitlement_ids JSONB NOT NULL);
   CREATE TABLE features (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, customer_entitlements JSONB NOT NULL, draft JSONB NOT NULL,
     draft_updated_at TIMESTAMPTZ NOT NULL, published_version INTEGER, settings JSONB NOT NULL DEFAULT '{}',
     created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE TABLE versions (
     feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE, version INTEGER NOT NULL,
     graph JSONB NOT NULL, compiled JSONB NOT NULL, author TEXT NOT NULL, note TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL, rolled_back_from INTEGER, PRIMARY KEY (feature_id, version));
   CREATE FUNCTION claimflow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'versions are immutable'; END $$;
   CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions FOR EACH ROW EXECUTE FUNCTION claimflow_versions_immutable();
   CREATE TABLE changes (seq BIGSERIAL PRIMARY KEY, feature_id TEXT NOT NULL, version INTEGER NOT NULL);
   CREATE TABLE suites (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     name TEXT NOT NULL, cases JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE INDEX suites_feature ON suites(feature_id);
   CREATE TABLE decision_log (id BIGSERIAL PRIMARY KEY, feature_id TEXT NOT NULL, version INTEGER NOT NULL,
     at TIMESTAMPTZ NOT NULL, input JSONB NOT NULL, decision TEXT, path JSONB NOT NULL);
   CREATE INDEX decision_log_feature ON decision_log(feature_id, id);
   CREATE TABLE meter_uses (tracker TEXT NOT NULL, visitor TEXT NOT NULL, at BIGINT NOT NULL, content_id TEXT);
   CREATE INDEX meter_uses_key ON meter_uses(tracker, visitor, at);`,
  // One round trip per metered decision: lock, count and record inside one function call (one implicit transaction).
  `CREATE FUNCTION claimflow_consume_meter(p_tracker TEXT, p_visitor TEXT, p_window BIGINT, p_now BIGINT, p_allowance INTEGER,
     p_content TEXT, p_unique BOOLEAN) RETURNS TABLE (allowed BOOLEAN, used INTEGER, counted BOOLEAN) LANGUAGE plpgsql AS $$
   DECLARE n INTEGER; hit BOOLEAN := false;
   BEGIN
     PERFORM pg_advisory_xact_lock(hashtext(p_tracker), hashtext(p_visitor));
     SELECT count(*), coalesce(bool_or(p_unique AND p_content IS NOT NULL AND content_id = p_content), false) INTO n, hit
       FROM meter_uses WHERE tracker = p_tracker AND visitor = p_visitor AND at >= p_window;
     IF hit THEN RETURN QUERY SELECT true, n, false; RETURN; END IF;
     IF n >= p_allowance THEN RETURN QUERY SELECT false, n, false; RETURN; END IF;
     INSERT INTO meter_uses (tracker, visitor, at, content_id) VALUES (p_tracker, p_visitor, p_now, p_content);
     RETURN QUERY SELECT true, n + 1, true;
   END $$;`,
  // Group commit: one call counts a batch of uses (any visitors) in one transaction. The advisory locks of every
  // (tracker, visitor) in the batch are taken first, in sorted order, so concurrent batches cannot deadlock; the uses
  // are then checked and recorded in request order, so a visitor appearing twice sees its own first use.
  // `expires_at` (epoch ms, NULL: never) is when a use stops counting for the meter that recorded it (pruning).
  // The IF/ELSIF/ELSE is the meter rule of api/store/rules/meters.ts (`meterVerdict`), kept in the function so a batch
  // is checked and written in one call.
  `ALTER TABLE meter_uses ADD COLUMN expires_at BIGINT;
   CREATE INDEX meter_uses_expiry ON meter_uses(expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE meter_prune_lease (id INTEGER PRIMARY KEY, pruned_at BIGINT NOT NULL);
   INSERT INTO meter_prune_lease (id, pruned_at) VALUES (1, 0);
   CREATE FUNCTION claimflow_consume_meters(p_trackers TEXT[], p_visitors TEXT[], p_windows BIGINT[], p_nows BIGINT[],
     p_allowances INTEGER[], p_contents TEXT[], p_unique BOOLEAN[], p_expires BIGINT[])
     RETURNS TABLE (idx INTEGER, allowed BOOLEAN, used INTEGER, counted BOOLEAN) LANGUAGE plpgsql AS $$
   DECLARE k RECORD; n INTEGER; hit BOOLEAN;
   BEGIN
     FOR k IN SELECT DISTINCT hashtext(t) AS a, hashtext(v) AS b FROM unnest(p_trackers, p_visitors) AS x(t, v)
       ORDER BY 1, 2 LOOP
       PERFORM pg_advisory_xact_lock(k.a, k.b);
     END LOOP;
     FOR i IN 1 .. coalesce(array_length(p_trackers, 1), 0) LOOP
       SELECT count(*), coalesce(bool_or(p_unique[i] AND p_contents[i] IS NOT NULL AND m.content_id = p_contents[i]), false)
         INTO n, hit FROM meter_uses m WHERE m.tracker = p_trackers[i] AND m.visitor = p_visitors[i] AND m.at >= p_windows[i];
       idx := i;
       IF hit THEN allowed := true; used := n; counted := false;
       ELSIF n >= p_allowances[i] THEN allowed := false; used := n; counted := false;
       ELSE
         INSERT INTO meter_uses (tracker, visitor, at, content_id, expires_at)
           VALUES (p_trackers[i], p_visitors[i], p_nows[i], p_contents[i], p_expires[i]);
         allowed := true; used := n + 1; counted := true;
       END IF;
       RETURN NEXT;
     END LOOP;
   END $$;`,
  // People: users, sessions (only a hash of the session id is stored), API tokens (hashed), the append-only audit log.
  `CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')), password_hash TEXT, subject TEXT UNIQUE,
     created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL);
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')), hash TEXT NOT NULL UNIQUE,
     created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, last_used_at TIMESTAMPTZ,
     revoked_at TIMESTAMPTZ);
   CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, actor_type TEXT NOT NULL,
     actor_id TEXT, actor_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before JSONB, after JSONB);
   CREATE INDEX audit_log_at ON audit_log(at);
   CREATE FUNCTION claimflow_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
   CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
     FOR EACH ROW EXECUTE FUNCTION claimflow_audit_append_only();
   CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
     FOR EACH STATEMENT EXECUTE FUNCTION claimflow_audit_append_only();`,
  // Release flow: the version live per non-default environment (the default one stays features.published_version,
  // so existing sites keep working), environment and kind on the change feed, site keys and change requests.
  `CREATE TABLE environment_versions (feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     environment TEXT NOT NULL, version INTEGER NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (feature_id, environment));
   ALTER TABLE changes ADD COLUMN environment TEXT;
   ALTER TABLE changes ADD COLUMN kind TEXT;
   CREATE TABLE site_keys (id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, environment TEXT NOT NULL,
     origins JSONB NOT NULL, created_by TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ);
   CREATE TABLE change_requests (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
     environment TEXT NOT NULL, status TEXT NOT NULL, data JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL);
   CREATE INDEX change_requests_status ON change_requests(status, created_at);`,
  // Release flow (part B): webhooks with their stored delivery queue, and scheduled changes. Rows are claimed with a
  // conditional UPDATE ... RETURNING (deliveries: FOR UPDATE SKIP LOCKED), so each runs on one instance only.
  `CREATE TABLE webhooks (id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, events JSONB NOT NULL,
     secret TEXT NOT NULL, enabled BOOLEAN NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
   CREATE TABLE webhook_deliveries (id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
     event TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at BIGINT NOT NULL, lease_until BIGINT, log JSONB NOT NULL DEFAULT '[]', created_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ);
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
   CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created_at);
   CREATE TABLE scheduled_changes (id TEXT PRIMARY KEY, feature_id TEXT NOT NULL, environment TEXT NOT NULL,
     action TEXT NOT NULL, version INTEGER, snapshot JSONB, from_environment TEXT, run_at BIGINT NOT NULL,
     time_zone TEXT NOT NULL, local_time TEXT NOT NULL, note TEXT NOT NULL, status TEXT NOT NULL, created_by JSONB NOT NULL,
     created_at TIMESTAMPTZ NOT NULL, claimed_by TEXT, lease_until BIGINT, ran_at TIMESTAMPTZ, late_ms BIGINT,
     result JSONB, error TEXT);
   CREATE INDEX scheduled_changes_due ON scheduled_changes(status, run_at);`,
  // A scheduled change that applies an approved change request at its go-live time (issue 14).
  'ALTER TABLE scheduled_changes ADD COLUMN change_request_id TEXT;',
  // Meters are counted in group-committed batches by claimflow_consume_meters (issue 17); the one-use function is unused.
  'DROP FUNCTION IF EXISTS claimflow_consume_meter(TEXT, TEXT, BIGINT, BIGINT, INTEGER, TEXT, BOOLEAN);',
];
