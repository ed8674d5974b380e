import { OperationError, TemporaryError } from '../errors.js';

/**
 * A compare-and-set lost: another writer changed the record since it was read. Exit 5, because
 * the fix is to read the record again and retry.
 */
export class ConflictError extends TemporaryError {
  constructor(
    readonly userId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`token ${userId} was changed by another writer (expected version ${expectedVersion}, found ${actualVersion})`, {
      hint: 'read it again and retry',
    });
  }
}

/** A secret field that does not decrypt: wrong key, a key that is not loaded, or corrupt data. */
export class DecryptError extends OperationError {
  /** The record's user_id, when the error is about one record. */
  userId?: string;
}

/** Decodes rows one by one: with `onUnreadable`, a row that does not decrypt is reported and left out. */
export function decodeEach<R, T>(rows: R[], decode: (row: R) => T, onUnreadable?: (error: DecryptError) => void): T[] {
  if (!onUnreadable) return rows.map(decode);
  const records: T[] = [];
  for (const row of rows) {
    try {
      records.push(decode(row));
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
      onUnreadable(error);
    }
  }
  return records;
}

/** Runs a read of one record; a record that does not decrypt comes back as its error, not thrown. */
export async function readOrUnreadable<T>(read: () => Promise<T>): Promise<{ value: T } | { unreadable: DecryptError }> {
  try {
    return { value: await read() };
  } catch (error) {
    if (error instanceof DecryptError) return { unreadable: error };
    throw error;
  }
}

/** The keychain could not be used. Always exit 1, with the cause and the fix in one line. */
export class KeychainUnavailableError extends OperationError {}
