import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

/** XDG base directories, each with atom-stripe's own folder. */
export function paths(env: Env) {
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const stateHome = env.XDG_STATE_HOME || join(home, '.local', 'state');
  return {
    configDir: join(configHome, 'atom-stripe'),
    configFile: join(configHome, 'atom-stripe', 'config.json'),
    keyFile: join(configHome, 'atom-stripe', 'encryption.key'),
    dataDir: join(dataHome, 'atom-stripe'),
    databaseFile: join(dataHome, 'atom-stripe', 'atom-stripe.db'),
    stateDir: join(stateHome, 'atom-stripe'),
    logFile: join(stateHome, 'atom-stripe', 'atom-stripe.log'),
  };
}
export type Paths = ReturnType<typeof paths>;
