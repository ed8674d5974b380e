/**
 * What a lost PostgreSQL connection looks like, and the one way atom-stripe checks a client out of
 * a pg Pool.
 *
 * pg's Pool listens for a client's 'error' event only while the client is idle in the pool; it
 * removes that listener when the client is checked out. A connection that drops while a checked-out
 * client waits between queries (a held advisory lock while Stripe answers, an open transaction)
 * then emits an 'error' nobody hears, and Node ends the process. withClient() listens for the whole
 * checkout and destroys a client that failed instead of pooling it.
 *
 * A lost connection becomes a DatabaseUnavailableError: a TemporaryError (exit 5, safe to retry)
 * whose one line names the database by host, port and name, never by the URL (it may hold the
 * password). Imports driver types only.
 */
import type { Pool, PoolClient } from 'pg';
import { AtomError, TemporaryError } from '../errors.js';

/** `postgres://host:port/database` of a URL, for messages: never the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/** describeDatabaseUrl of the URL a pool was opened with. */
export function describePool(pool: Pool): string {
  const url = (pool as unknown as { options?: { connectionString?: string } }).options?.connectionString;
  return url ? describeDatabaseUrl(url) : 'the database';
}

/** The first words of every DatabaseUnavailableError message, so callers can group them. */
export const DATABASE_UNREACHABLE = 'database unreachable';

export class DatabaseUnavailableError extends TemporaryError {}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);
/** SQLSTATEs of a server that went away or will not take a connection now. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /query read timeout/i,
  /server closed the connection unexpectedly/i,
];

/** True for an error that says the connection (not the statement) failed. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08/.test(code))) return true;
  return MESSAGES.some((pattern) => pattern.test(error.message));
}

/** A connection error as a DatabaseUnavailableError naming `where`; any other error unchanged. */
export function pgFailure(error: unknown, where: string): unknown {
  if (error instanceof AtomError || !isConnectionError(error)) return error;
  const reason = ((error as Error).message || (error as { code?: string }).code || 'connection lost').replace(/\s+/g, ' ').trim();
  return new DatabaseUnavailableError(`${DATABASE_UNREACHABLE}: PostgreSQL at ${where}: ${reason}`, {
    hint: 'retry when it is back; it is safe',
    cause: error,
  });
}

/** A checked-out client, and a way to say it must not go back into the pool (it may hold a session lock). */
export type ClientWork<T> = (client: PoolClient, discard: () => void) => Promise<T>;

/**
 * Checks a client out, listens for its errors while it is out, runs `work`, and releases it: back
 * into the pool if all went well, destroyed if its connection failed or `work` discarded it.
 * Connection errors leave as DatabaseUnavailableError.
 */
export async function withClient<T>(pool: Pool, where: string, work: ClientWork<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw pgFailure(error, where);
  }
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    return await work(client, () => {
      broken ??= new Error('discarded');
    });
  } catch (error) {
    if (isConnectionError(error)) broken ??= error as Error;
    throw pgFailure(error, where);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** pool.query with connection errors as DatabaseUnavailableError. (pool.query itself listens for the client's errors.) */
export async function query(pool: Pool, where: string, sql: string, params?: unknown[]) {
  try {
    return await pool.query(sql, params);
  } catch (error) {
    throw pgFailure(error, where);
  }
}
