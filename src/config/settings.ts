/**
 * Every setting atom-stripe reads, in one table: its profile key, environment variables, flag,
 * default and whether it is secret. `config list`, the README table and resolution all use it.
 */
export interface SettingSpec {
  key: string;
  env: string[];
  flag?: string;
  secret?: boolean;
  default?: string;
  description: string;
}

export const SETTINGS: SettingSpec[] = [
  { key: 'api_key', env: ['STRIPE_API_KEY'], flag: '--api-key', secret: true, description: 'Stripe secret or restricted key (sk_/rk_)' },
  { key: 'api_base', env: ['STRIPE_API_BASE'], flag: '--api-base', default: 'https://api.stripe.com', description: 'Stripe API base URL; also used for the OAuth host (point it at the emulator)' },
  { key: 'connect_base', env: ['STRIPE_CONNECT_BASE'], description: 'OAuth authorize host; defaults to https://connect.stripe.com, or to api_base when that is not Stripe' },
  { key: 'client_id', env: ['STRIPE_CLIENT_ID'], description: 'Connect platform client id (ca_...)' },
  { key: 'client_secret', env: ['STRIPE_CLIENT_SECRET'], secret: true, description: "Connect platform's secret key, used as client_secret in the OAuth token exchange" },
  { key: 'redirect_uri', env: ['STRIPE_REDIRECT_URI'], default: 'http://127.0.0.1:8789/callback', description: 'OAuth redirect URI registered with Stripe; the callback listener binds its port and path' },
  { key: 'webhook_secret', env: ['STRIPE_WEBHOOK_SECRET'], secret: true, description: 'Webhook signing secret(s) (whsec_...), comma-separated for rotation' },
  { key: 'forward_to', env: ['ATOM_STRIPE_FORWARD_TO'], description: 'Default target URL for webhook forwarding and replay' },
  { key: 'store', env: ['ATOM_STRIPE_STORE'], flag: '--store', default: 'sqlite', description: 'Token store: sqlite, postgres or keychain' },
  { key: 'database_url', env: ['DATABASE_URL'], flag: '--database-url', secret: true, description: 'PostgreSQL URL for the postgres store (sslmode honoured)' },
  { key: 'pool_size', env: ['ATOM_STRIPE_POOL_SIZE'], flag: '--pool-size', default: '4', description: 'PostgreSQL connection pool size (2-100)' },
  { key: 'database_file', env: ['ATOM_STRIPE_DB'], description: 'SQLite database file (default under $XDG_DATA_HOME/atom-stripe)' },
  { key: 'secret_key', env: ['SECRET_KEY'], secret: true, description: 'Application secret; an encryption key is derived from it with HKDF' },
  { key: 'encryption_key', env: ['ATOM_STRIPE_ENCRYPTION_KEY'], secret: true, description: 'Token encryption key: 32 bytes, base64' },
  { key: 'environment', env: ['ENVIRONMENT'], default: 'development', description: 'Deployment environment name (development, staging, production)' },
  { key: 'account', env: ['ATOM_STRIPE_ACCOUNT'], flag: '--account', description: 'Connected account (user id or acct_...) to act as' },
  { key: 'timeout', env: ['ATOM_STRIPE_TIMEOUT'], default: '30000', description: 'Stripe request timeout in milliseconds' },
  { key: 'max_network_retries', env: ['ATOM_STRIPE_MAX_RETRIES'], default: '2', description: 'Retries with backoff for network errors, 409, 429 and 5xx' },
];

export const SETTING_KEYS = SETTINGS.map((s) => s.key);

export function settingSpec(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.key === key);
}
