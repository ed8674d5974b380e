import { describe, expect, it } from 'vitest';
import { OperationError, TemporaryError } from '../../src/errors.js';
import { describeDatabaseUrl, openPgPool } from '../../src/store/postgres.js';
import { PG_BASE_URL } from '../contract/postgres-schema.js';

describe('postgres URL handling', () => {
  it('honours sslmode from the URL: disable connects in clear, require insists on TLS', async () => {
    const plain = await openPgPool(`${PG_BASE_URL}?sslmode=disable`);
    expect((await plain.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(false);
    await plain.end();
    // The test server has no TLS; a client that ignored sslmode would connect anyway.
    const serverHasTls = await openPgPool(`${PG_BASE_URL}?sslmode=require`).then(
      async (pool) => (await pool.end(), true),
      (error: unknown) => {
        expect(error).toBeInstanceOf(OperationError);
        expect((error as Error).message).toMatch(/SSL/);
        return false;
      },
    );
    expect(typeof serverHasTls).toBe('boolean');
  });

  it('takes the pool size, never below 2 (a held lock uses one connection)', async () => {
    const pool = await openPgPool(PG_BASE_URL, { poolSize: 7 });
    expect((pool as unknown as { options: { max: number } }).options.max).toBe(7);
    await pool.end();
    const small = await openPgPool(PG_BASE_URL, { poolSize: 1 });
    expect((small as unknown as { options: { max: number } }).options.max).toBe(2);
    await small.end();
  });

  it('describes a URL without its password, and a refused connection is temporary (exit 5)', async () => {
    expect(describeDatabaseUrl('postgres://atom:s3cret-pass@db.internal:6543/atom?sslmode=require')).toBe('postgres://db.internal:6543/atom');
    const failure = await openPgPool('postgres://atom:s3cret-pass@127.0.0.1:1/atom', { connectTimeoutMs: 2000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TemporaryError);
    expect((failure as Error).message).toContain('postgres://127.0.0.1:1/atom');
    expect((failure as Error).message).not.toContain('s3cret-pass');
  });
});

describe('sslmode means what libpq means, without pg\'s warning on stderr', () => {
  it('adds uselibpqcompat=true when sslmode is set, and leaves other URLs alone', async () => {
    const { withLibpqSslModes } = await import('../../src/store/postgres.js');
    expect(withLibpqSslModes('postgres://u:p@db:5432/app?sslmode=require')).toBe('postgres://u:p@db:5432/app?sslmode=require&uselibpqcompat=true');
    expect(withLibpqSslModes('postgres://db/app')).toBe('postgres://db/app');
    expect(withLibpqSslModes('postgres://db/app?sslmode=require&uselibpqcompat=false')).toBe('postgres://db/app?sslmode=require&uselibpqcompat=false');
  });

  it('a run with sslmode=require prints one error line (this server has no TLS), not a SECURITY WARNING', async () => {
    const { isolatedEnv, runCli } = await import('../helpers/cli.js');
    const result = await runCli(['token', 'list', '--store', 'postgres', '--database-url', `${PG_BASE_URL}?sslmode=require`], { env: isolatedEnv() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toContain('SECURITY WARNING');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
