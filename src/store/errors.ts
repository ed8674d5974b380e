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
export class DecryptError extends OperationError {}

/** The keychain could not be used. Always exit 1, with the cause and the fix in one line. */
export class KeychainUnavailableError extends OperationError {}
