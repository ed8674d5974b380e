/**
 * One run's idempotency keys. Every write of a command carries a key the run knows (stripe-node's
 * own per-request keys are never used for a command's writes), so an answer that never came can be
 * retried with the same key:
 *
 *  - --idempotency-key KEY: that key (`KEY:scope` for a command's further writes), nothing journaled;
 *  - otherwise a provisional `atom-stripe-<uuid>`. When the first write goes out, the journal
 *    (journal.ts) is asked whether an identical request was interrupted within the key window; if so
 *    its key replaces the provisional one in this and every later write of the run, and one line on
 *    stderr says so. --new-request skips that look-up.
 *
 * settle() removes the journal row when the command ended with a definitive answer.
 */
import type { Logger } from '../log.js';
import { redact } from '../redact.js';
// Types only: the journal (SQLite, node:crypto) is loaded when a run sends its first write.
import type { Claim, WriteJournal } from './journal.js';

/** One HTTP attempt of a request, as the HTTP client sees it. */
export interface Attempt {
  method: string;
  host: string;
  port: number;
  path: string;
  /** The key stripe-node is about to send (ours, an explicit one, or its own). */
  key: string | undefined;
  stripeAccount?: string;
  body: string;
}

export interface WriteSessionOptions {
  /** --idempotency-key */
  explicitKey?: string;
  /** --new-request */
  newRequest?: boolean;
  profile: string;
  stateDir: string;
  now: () => Date;
  err: (line: string) => void;
  log: Logger;
  /** Opens the journal; tests replace it. */
  openJournal?: (stateDir: string) => Promise<WriteJournal>;
}

export interface WriteSession {
  /** The key for a write of this command (`scope` for the second and later writes of one command). */
  keyFor(scope?: string): string;
  /** The key to send with this attempt (undefined: none), claiming the journal row on the first write. */
  resolve(attempt: Attempt, account: string): Promise<string | undefined>;
  /** The base key the run's writes were sent with, once one was sent. */
  readonly sentKey: string | undefined;
  readonly explicit: boolean;
  /** Whether the run's writes are journaled (so a plain re-run reuses the key). */
  readonly journaled: boolean;
  /** Ends the run: the row goes unless the command ended without an answer (exit 5 or 130). */
  settle(exitCode: number): void;
}

const KEEP_ON_EXIT = new Set([5, 130]);

export function createWriteSession(options: WriteSessionOptions): WriteSession {
  const provisional = `atom-stripe-${globalThis.crypto.randomUUID()}`;
  const base = options.explicitKey ?? provisional;
  const ours = (key: string | undefined) => key !== undefined && (key === provisional || key.startsWith(`${provisional}:`));
  let claiming: Promise<{ key: string; claim?: Claim; journal?: WriteJournal }> | undefined;
  let resolved: { key: string; claim?: Claim; journal?: WriteJournal } | undefined;
  let sentKey: string | undefined;

  const claimFor = async (attempt: Attempt, account: string) => {
    let journal: WriteJournal | undefined;
    try {
      const { fingerprint, openWriteJournal } = await import('./journal.js');
      journal = await (options.openJournal ?? openWriteJournal)(options.stateDir);
      const print = fingerprint({ profile: options.profile, account, ...attempt });
      const claim = journal.claim(print, provisional, { fresh: options.newRequest ?? false, now: options.now() });
      if (claim.reusedFrom) {
        options.err(`reusing idempotency key ${claim.key} from an interrupted run at ${claim.reusedFrom.toISOString()}; pass --new-request to send a new one`);
      }
      options.log.info('write.journaled', { idempotencyKey: claim.key, reused: Boolean(claim.reusedFrom) });
      return { key: claim.key, claim, journal };
    } catch (error) {
      journal?.close();
      // The write still goes out with a key this run prints on failure; only the plain re-run loses
      // its protection, and the error's --idempotency-key form still retries safely.
      options.err(`warning: cannot record this write in the journal (${redact(String((error as Error).message ?? error))}); if it fails, retry with --idempotency-key ${provisional}`);
      options.log.warn('write.journal_failed', { error: String(error) });
      return { key: provisional };
    }
  };

  return {
    keyFor: (scope) => (scope ? `${base}:${scope}` : base),
    async resolve(attempt, account) {
      if (!ours(attempt.key)) {
        if (options.explicitKey && attempt.key?.startsWith(options.explicitKey)) sentKey = options.explicitKey;
        return attempt.key;
      }
      // Stripe ignores keys on GET and DELETE (they are idempotent), and the journal is for POSTs.
      if (attempt.method !== 'POST') return undefined;
      resolved ??= await (claiming ??= claimFor(attempt, account));
      sentKey = resolved.key;
      return resolved.key + attempt.key!.slice(provisional.length);
    },
    get sentKey() {
      return sentKey;
    },
    explicit: options.explicitKey !== undefined,
    get journaled() {
      return resolved?.claim !== undefined;
    },
    settle(exitCode) {
      if (!resolved?.journal) return;
      const { journal, claim } = resolved;
      resolved = { key: resolved.key };
      try {
        if (!KEEP_ON_EXIT.has(exitCode) && claim) journal.remove(claim.id);
      } catch (error) {
        options.log.warn('write.journal_remove_failed', { error: String(error) });
      } finally {
        journal.close();
      }
    },
  };
}

/** A shell word: quoted only when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv without --new-request and --idempotency-key (and their values), for a retry line. */
function retryArgv(argv: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!;
    if (word === '--new-request' || word.startsWith('--idempotency-key=')) continue;
    if (word === '--idempotency-key') {
      index++;
      continue;
    }
    kept.push(word);
  }
  return kept;
}

/**
 * What to do after a write ended without an answer (exit 5 or 130): the key it was sent with and
 * the commands that retry it safely. Empty when the run sent no write. Secrets in argv are masked.
 */
export function retryAdvice(session: WriteSession | undefined, argv: string[]): string[] {
  const key = session?.sentKey;
  if (!session || !key) return [];
  const command = (words: string[]) => redact(['atom-stripe', ...words].map(shellWord).join(' '));
  if (session.explicit) {
    return [`The write was sent with idempotency key ${key}: re-running the same command, with the same --idempotency-key, is safe:`, `  ${command(argv)}`];
  }
  const lines = [`The write may have gone through; it was sent with idempotency key ${key}. Either of these retries it without writing twice (within 24 h):`];
  if (session.journaled) lines.push(`  ${command(retryArgv(argv))}    # on this host: reuses the key`);
  lines.push(`  ${command([...retryArgv(argv), '--idempotency-key', key])}`);
  return lines;
}
