/** A fresh PostgreSQL schema per test file, on the real server (127.0.0.1:5432, trust auth). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_BASE_URL = process.env.ATOM_STRIPE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  schema: string;
  /** A URL whose connections use the schema (options=-c search_path=...). */
  url: string;
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function freshSchema(prefix: string): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`SET search_path = ${schema}`);
  const url = `${PG_BASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    schema,
    url,
    query: (sql, params) => admin.query(sql, params),
    async drop() {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
