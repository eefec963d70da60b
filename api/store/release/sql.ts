/**
 * A small SQL runner over the store's database for the release-flow tables (webhooks, deliveries, scheduled changes):
 * its own connection (SQLite: a second better-sqlite3 connection on the same file; PostgreSQL: a small pool), so the
 * main store classes stay untouched. SQL is written once with `$n` placeholders; SQLite gets them as `?` in order.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { guardError } from './guard-error';

export type Row = Record<string, unknown>;

export interface Sql {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** One statement of a transaction body: `const rows = yield sql('SELECT ...', [a])`. */
export interface Step {
  sql: string;
  params: unknown[];
}
export const sql = (text: string, params: unknown[] = []): Step => ({ sql: text, params });

/**
 * A transaction body: a generator yielding statements and receiving their rows. On SQLite it runs synchronously
 * inside one BEGIN IMMEDIATE (better-sqlite3 blocks the thread while it waits for a lock, so a transaction that
 * awaited between statements could hold the write lock while the main store, on the same thread, waits for it);
 * on PostgreSQL each statement is awaited inside BEGIN ... COMMIT.
 */
export type TxBody<T> = () => Generator<Step, T, Row[]>;

export interface Db extends Sql {
  readonly kind: 'sqlite' | 'postgres';
  tx<T>(body: TxBody<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens the release database next to the main store: PostgreSQL for a postgres:// URL, else `<dataDir>/claimflow.db`. */
export function openReleaseDb(options: { databaseUrl?: string; dataDir: string }): Db {
  if (options.databaseUrl && /^postgres(ql)?:\/\//.test(options.databaseUrl)) return openPg(options.databaseUrl);
  return openSqlite(join(realpathSync(options.dataDir), 'claimflow.db'));
}

function openPg(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  pool.on('connect', (c) => c.on('error', () => undefined));
  const run = async (q: pg.Pool | pg.PoolClient, sql: string, params: unknown[] = []) => {
    try {
      return (await q.query(sql, params)).rows as Row[];
    } catch (error) {
      throw guardError(error, 'postgres');
    }
  };
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async tx(body) {
      const client = await pool.connect().catch((error) => {
        throw guardError(error, 'postgres');
      });
      try {
        await client.query('BEGIN');
        const steps = body();
        let step = steps.next();
        while (!step.done) step = steps.next(await run(client, step.value.sql, step.value.params));
        await client.query('COMMIT');
        return step.value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function openSqlite(file: string): Db {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  const statements = new Map<string, { sql: string; order: number[] }>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      const order: number[] = [];
      const text = sql.replace(/\$(\d+)(::\w+)?/g, (_m, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      s = { sql: text, order };
      statements.set(sql, s);
    }
    return s;
  };
  const run = (sql: string, params: unknown[] = []): Row[] => {
    const s = prepare(sql);
    const args = s.order.map((i) => {
      const v = params[i];
      return typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v;
    });
    try {
      const stmt = db.prepare(s.sql);
      if (stmt.reader) return stmt.all(...args) as Row[];
      stmt.run(...args);
      return [];
    } catch (error) {
      throw guardError(error, 'sqlite');
    }
  };
  return {
    kind: 'sqlite',
    query: async (text, params) => run(text, params),
    tx<T>(body: TxBody<T>): Promise<T> {
      try {
        return Promise.resolve(
          db
            .transaction(() => {
              const steps = body();
              let step = steps.next();
              while (!step.done) step = steps.next(run(step.value.sql, step.value.params));
              return step.value;
            })
            .immediate(),
        );
      } catch (error) {
        return Promise.reject(guardError(error, 'sqlite'));
      }
    },
    async close() {
      db.close();
    },
  };
}
