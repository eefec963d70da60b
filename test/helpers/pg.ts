/** A fresh PostgreSQL database per test file on the real local server (CLAIMFLOW_TEST_DATABASE_URL). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const BASE_URL = process.env.CLAIMFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cf_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: BASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
