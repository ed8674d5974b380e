/**
 * keytar behind a timeout. keytar is an optional native module over libsecret (Linux), Keychain
 * (macOS) and the Credential Manager (Windows). On Linux every call is a D-Bus round trip to the
 * Secret Service, which may be missing, locked, or waiting on a prompt nobody will answer; so every
 * call races a timer (3 s by default) and failures become one KeychainUnavailableError that names
 * the cause and the fix. Nothing here ever falls back to another store.
 */
import { KeychainUnavailableError } from './errors.js';

export interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 3000;
const FIX = 'install libsecret and run a Secret Service (gnome-keyring), unlock the keyring, or use --store sqlite';

let loaded: Promise<Keytar> | undefined;

async function loadKeytar(): Promise<Keytar> {
  loaded ??= import('keytar').then(
    (module) => ((module as { default?: Keytar }).default ?? (module as unknown as Keytar)),
    (error: unknown) => {
      loaded = undefined;
      const reason = (error as Error).message?.split('\n')[0] ?? String(error);
      throw new KeychainUnavailableError(`keychain unavailable: keytar could not be loaded (${reason})`, { hint: FIX, cause: error });
    },
  );
  return loaded;
}

function describeFailure(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  if (/Could not connect|autolaunch|DBUS|D-Bus|org\.freedesktop\.DBus|ServiceUnknown|was not provided by any/i.test(message)) {
    return `no Secret Service answered on D-Bus (${message.split('\n')[0]})`;
  }
  if (/locked/i.test(message)) return `the keyring is locked (${message.split('\n')[0]})`;
  return message.split('\n')[0];
}

export interface KeychainClient {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, value: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
  find(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** Keychain calls that timed out and are still running in keytar's worker thread. */
let abandoned = 0;

function abandon(work: Promise<unknown>): void {
  abandoned += 1;
  const settled = () => void (abandoned -= 1);
  work.then(settled, settled);
}

/**
 * Called by main when the command is over. A keychain call that timed out can leave keytar's
 * native thread waiting on D-Bus for ~25 s, which keeps the process alive; nothing may hang a cron
 * or CI run, so if one is still waiting, the process ends 2 s later (`report` says so first). With
 * no such call nothing is armed, and a handle that leaks elsewhere shows as a process that lingers.
 */
export function exitIfKeychainHangs(report: (calls: number) => void): void {
  if (abandoned === 0) return;
  setTimeout(() => {
    if (abandoned > 0) report(abandoned);
    process.exit();
  }, 2000).unref();
}

/**
 * A keychain client whose every call times out. A call that times out keeps running in keytar's
 * worker thread (it cannot be cancelled); the command fails anyway, and D-Bus ends the call itself.
 */
export async function openKeychain(timeoutMs = DEFAULT_KEYCHAIN_TIMEOUT_MS): Promise<KeychainClient> {
  const keytar = await loadKeytar();
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = run();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abandon(work);
          reject(new KeychainUnavailableError(`keychain unavailable: no answer from the Secret Service within ${timeoutMs} ms (${what})`, { hint: FIX }));
        }, timeoutMs);
        timer.unref();
      });
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw error;
      throw new KeychainUnavailableError(`keychain unavailable: ${describeFailure(error)}`, { hint: FIX, cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (service, account) => call('get', () => keytar.getPassword(service, account)),
    set: (service, account, value) => call('set', () => keytar.setPassword(service, account, value)),
    delete: (service, account) => call('delete', () => keytar.deletePassword(service, account)),
    find: (service) => call('list', () => keytar.findCredentials(service)),
  };
}
