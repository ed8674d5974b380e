/**
 * Shared pieces of the OAuth end-to-end tests: a free loopback port, the environment that points the
 * built binary at an in-process emulator, a scripted browser (an HTTP client that approves or denies
 * on the emulator's consent page and follows the redirect to the callback listener), and a scan for
 * tokens in everything the binary wrote.
 */
import { chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import type { Emulator } from '../../src/emulator/index.js';
import { isolatedEnv, type Env } from '../helpers/cli.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts connections on the port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function oauthEnv(emulator: Emulator, redirectUri: string, extra: Env = {}): Env {
  return isolatedEnv({
    STRIPE_API_BASE: emulator.url,
    STRIPE_CLIENT_ID: emulator.clientId,
    STRIPE_CLIENT_SECRET: emulator.secretKey,
    STRIPE_REDIRECT_URI: redirectUri,
    ...extra,
  });
}

/**
 * Writes the scripted browser into the test's home and returns the BROWSER value. Actions:
 * approve, deny, or mismatch (a forged callback with a wrong state first, then approve). What it
 * saw is appended to browser.log as JSON lines.
 */
export function scriptedBrowser(env: Env, action: 'approve' | 'deny' | 'mismatch'): string {
  const file = join(env.HOME!, 'browser.mjs');
  writeFileSync(
    file,
    `import { appendFileSync } from 'node:fs';
const log = (entry) => appendFileSync(${JSON.stringify(join(env.HOME!, 'browser.log'))}, JSON.stringify(entry) + '\\n');
const authorize = new URL(process.argv[2]);
const redirectUri = new URL(authorize.searchParams.get('redirect_uri'));
if (${JSON.stringify(action)} === 'mismatch') {
  const forged = new URL(redirectUri);
  forged.searchParams.set('code', 'ac_forged0000000000');
  forged.searchParams.set('state', 'not-the-state');
  const response = await fetch(forged);
  log({ step: 'forged', status: response.status });
}
const consent = await fetch(authorize);
log({ step: 'consent', status: consent.status, approve: (await consent.text()).includes('Approve') });
authorize.searchParams.set('_emulator_action', ${JSON.stringify(action === 'deny' ? 'deny' : 'approve')});
const click = await fetch(authorize, { redirect: 'manual' });
const location = click.headers.get('location');
log({ step: 'redirect', status: click.status, toListener: location?.startsWith(redirectUri.origin + redirectUri.pathname) });
const callback = await fetch(location);
log({ step: 'callback', status: callback.status, body: await callback.text() });
`,
  );
  chmodSync(file, 0o700);
  return `${process.execPath} ${file}`;
}

export interface BrowserStep {
  step: string;
  status: number;
  body?: string;
  approve?: boolean;
  toListener?: boolean;
}

export function browserLog(env: Env): BrowserStep[] {
  const file = join(env.HOME!, 'browser.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as BrowserStep);
}

export function logText(env: Env): string {
  const file = join(env.XDG_STATE_HOME!, 'atom-stripe', 'atom-stripe.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Every emulator-issued secret shape: access tokens (sk_), refresh tokens (rt_), codes (ac_). */
export const TOKEN_PATTERN = /\b(sk_(test|live)_[A-Za-z0-9]{20,}|rt_[A-Za-z0-9]{20,}|ac_[A-Za-z0-9]{20,})\b/;

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
