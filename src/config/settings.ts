/**
 * Every setting atom-stripe reads, in one table: its profile key, environment variables, flag,
 * default and whether it is secret. `config list`, the README table and resolution all use it.
 */
import { UsageError } from '../errors.js';
import { urlProblem, wholeNumberProblem } from '../values.js';
import type { Config } from './resolve.js';

export interface SettingSpec {
  key: string;
  env: string[];
  flag?: string;
  secret?: boolean;
  default?: string;
  description: string;
  /** What is wrong with a value, or undefined when it is valid: `config set` and `health` both use it. */
  check?: (value: string) => string | undefined;
}

const url = (protocols: string[], example: string) => (value: string) => urlProblem(value, protocols, example);
const wholeNumber = (min: number, max: number) => (value: string) => wholeNumberProblem(value, min, max);
const secretKey = (value: string) => {
  if (/^pk_/.test(value)) return 'is a publishable key; use a secret (sk_) or restricted (rk_) key';
  return /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(value) ? undefined : 'does not look like a Stripe secret or restricted key (sk_/rk_)';
};
const base64Keys = (value: string) => {
  for (const part of value.split(',').filter((p) => p.trim())) {
    if (Buffer.from(part.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64').length !== 32) {
      return 'is not a 32-byte base64 key (generate one with openssl rand -base64 32)';
    }
  }
  return undefined;
};

export const SETTINGS: SettingSpec[] = [
  { key: 'api_key', env: ['STRIPE_API_KEY'], flag: '--api-key', secret: true, description: 'Stripe secret or restricted key (sk_/rk_)', check: secretKey },
  { key: 'api_base', env: ['STRIPE_API_BASE'], flag: '--api-base', default: 'https://api.stripe.com', description: 'Stripe API base URL; also used for the OAuth host (point it at the emulator)', check: url(['http:', 'https:'], 'http://127.0.0.1:12111') },
  { key: 'connect_base', env: ['STRIPE_CONNECT_BASE'], description: 'OAuth authorize host; defaults to https://connect.stripe.com, or to api_base when that is not Stripe', check: url(['http:', 'https:'], 'https://connect.stripe.com') },
  { key: 'client_id', env: ['STRIPE_CLIENT_ID'], description: 'Connect platform client id (ca_...)', check: (value) => (value.startsWith('ca_') ? undefined : 'must start with ca_') },
  { key: 'client_secret', env: ['STRIPE_CLIENT_SECRET'], secret: true, description: "Connect platform's secret key, used as client_secret in the OAuth token exchange" },
  { key: 'redirect_uri', env: ['STRIPE_REDIRECT_URI'], default: 'http://127.0.0.1:8789/callback', description: 'OAuth redirect URI registered with Stripe; the callback listener binds its port and path', check: url(['http:', 'https:'], 'http://127.0.0.1:8789/callback') },
  { key: 'webhook_secret', env: ['STRIPE_WEBHOOK_SECRET'], secret: true, description: 'Webhook signing secret(s) (whsec_...), comma-separated for rotation', check: (value) => (value.split(',').every((part) => part.trim().startsWith('whsec_')) ? undefined : 'must be whsec_... secrets, comma-separated') },
  { key: 'forward_to', env: ['ATOM_STRIPE_FORWARD_TO'], description: 'Default target URL for webhook forwarding and replay', check: url(['http:', 'https:'], 'http://127.0.0.1:3000/webhooks') },
  { key: 'store', env: ['ATOM_STRIPE_STORE'], flag: '--store', default: 'sqlite', description: 'Token store: sqlite, postgres or keychain', check: (value) => (['sqlite', 'postgres', 'keychain'].includes(value) ? undefined : 'must be sqlite, postgres or keychain') },
  { key: 'database_url', env: ['DATABASE_URL'], flag: '--database-url', secret: true, description: 'PostgreSQL URL for the postgres store (sslmode honoured)', check: url(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/db') },
  { key: 'pool_size', env: ['ATOM_STRIPE_POOL_SIZE'], flag: '--pool-size', default: '4', description: 'PostgreSQL connection pool size (2-100)', check: wholeNumber(2, 100) },
  { key: 'database_file', env: ['ATOM_STRIPE_DB'], description: 'SQLite database file (default under $XDG_DATA_HOME/atom-stripe)' },
  { key: 'secret_key', env: ['SECRET_KEY'], secret: true, description: 'Application secret; an encryption key is derived from it with HKDF' },
  { key: 'encryption_key', env: ['ATOM_STRIPE_ENCRYPTION_KEY'], secret: true, description: 'Token encryption key: 32 bytes, base64', check: base64Keys },
  { key: 'environment', env: ['ENVIRONMENT'], default: 'development', description: 'Deployment environment name (development, staging, production)' },
  { key: 'account', env: ['ATOM_STRIPE_ACCOUNT'], flag: '--account', description: 'Connected account (user id or acct_...) to act as' },
  { key: 'timeout', env: ['ATOM_STRIPE_TIMEOUT'], default: '30000', description: 'Stripe request timeout in milliseconds', check: wholeNumber(1, 600_000) },
  { key: 'max_network_retries', env: ['ATOM_STRIPE_MAX_RETRIES'], default: '2', description: 'Retries with backoff for network errors, 409, 429 and 5xx', check: wholeNumber(0, 10) },
];

export const SETTING_KEYS = SETTINGS.map((s) => s.key);

export function settingSpec(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.key === key);
}

/** The problem with a setting's value, phrased after its name (`pool_size "abc" must be ...`), or undefined. */
export function settingProblem(key: string, value: string): string | undefined {
  return settingSpec(key)?.check?.(value);
}

/** A setting's value, or a usage error naming where the bad value came from (nothing is sent). */
export function checkedSetting(config: Pick<Config, 'get' | 'lookup'>, key: string): string | undefined {
  const value = config.get(key);
  const problem = value === undefined ? undefined : settingProblem(key, value);
  if (problem) throw new UsageError(`${key} "${value}" (from ${config.lookup(key)?.source ?? 'the default'}) ${problem}`);
  return value;
}
