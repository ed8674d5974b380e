import { join } from 'node:path';
import { readDotenv } from './dotenv.js';
import { paths, type Env, type Paths } from './paths.js';
import { readProfileFile, type ProfileFile } from './profiles.js';
import { SETTINGS, settingSpec } from './settings.js';
import { registerSecret } from '../redact.js';

export type Origin = 'flag' | 'env' | 'dotenv' | 'profile' | 'default';

export interface ResolvedValue {
  value: string;
  origin: Origin;
  /** Which variable or flag it came from, for `config list --show-origin`. */
  source: string;
}

export interface Config {
  profile: string;
  paths: Paths;
  get(key: string): string | undefined;
  lookup(key: string): ResolvedValue | undefined;
  /** The loaded profile file, for `config set`. */
  file: ProfileFile;
}

export interface ConfigInput {
  env: Env;
  cwd: string;
  /** Flag values keyed by setting key (api_key, store, ...). */
  flags: Record<string, string | undefined>;
  profile?: string;
}

/** Precedence: flag > environment > .env > profile > default. */
export function resolveConfig(input: ConfigInput): Config {
  const configPaths = paths(input.env);
  const dotenv = readDotenv(join(input.cwd, '.env'));
  const file = readProfileFile(configPaths.configFile);
  const profile =
    input.profile || input.env.ATOM_STRIPE_PROFILE || dotenv.ATOM_STRIPE_PROFILE || file.default_profile || 'default';
  const profileValues = file.profiles[profile] ?? {};
  const cache = new Map<string, ResolvedValue | undefined>();

  const lookup = (key: string): ResolvedValue | undefined => {
    if (cache.has(key)) return cache.get(key);
    const spec = settingSpec(key);
    let found: ResolvedValue | undefined;
    const flagValue = input.flags[key];
    if (flagValue !== undefined && flagValue !== '') {
      found = { value: flagValue, origin: 'flag', source: spec?.flag ?? `--${key}` };
    }
    for (const name of spec?.env ?? []) {
      if (found) break;
      const value = input.env[name];
      if (value !== undefined && value !== '') found = { value, origin: 'env', source: name };
    }
    for (const name of spec?.env ?? []) {
      if (found) break;
      const value = dotenv[name];
      if (value !== undefined && value !== '') found = { value, origin: 'dotenv', source: `.env ${name}` };
    }
    if (!found && profileValues[key] !== undefined) {
      found = { value: profileValues[key], origin: 'profile', source: `profile ${profile}` };
    }
    if (!found && spec?.default !== undefined) {
      found = { value: spec.default, origin: 'default', source: 'default' };
    }
    if (found && spec?.secret) registerSecret(found.value);
    cache.set(key, found);
    return found;
  };

  // Secrets are registered up front, so that no later error can print one, even unread.
  for (const spec of SETTINGS) if (spec.secret) lookup(spec.key);

  return { profile, paths: configPaths, file, lookup, get: (key) => lookup(key)?.value };
}
