import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, collect, isolatedEnv, ROOT, runCli } from '../helpers/cli.js';

const HEAVY = ['/stripe/', '/pg/', '/better-sqlite3/', '/keytar/', '/@inquirer/', '/ora/', '/cli-table3/'];

async function importsOf(args: string[], extraEnv: Record<string, string> = {}): Promise<string[]> {
  const env = isolatedEnv(extraEnv);
  const file = join(env.HOME!, 'imports.txt');
  writeFileSync(file, '');
  const child = spawn(process.execPath, ['--import', join(ROOT, 'test/helpers/record-imports.mjs'), BIN, ...args], {
    env: { ...(env as NodeJS.ProcessEnv), RECORD_IMPORTS_FILE: file },
    cwd: env.HOME,
  });
  const result = await collect(child);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('the command line', () => {
  it('prints the version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('answers the root --help from the shim exactly as commander prints it', async () => {
    const fast = await runCli(['--help']);
    const slow = await runCli(['--help'], { env: isolatedEnv({ ATOM_STRIPE_NO_FAST_HELP: '1' }) });
    expect(fast.code).toBe(0);
    expect(slow.code).toBe(0);
    expect(fast.stdout).toBe(slow.stdout);
    expect(fast.stdout).toContain('Exit codes:');
    expect(fast.stdout).toMatch(/130 interrupted/);
  });

  it('loads no heavy module for --help, --version or a noun help', async () => {
    for (const args of [['--help'], ['--version'], ['config', '--help'], ['customers', '--help']]) {
      // The unbundled module graph (test/e2e/bundle.test.ts checks the bundle the same way).
      const loaded = await importsOf(args, { ATOM_STRIPE_NO_FAST_HELP: '1', ATOM_STRIPE_NO_BUNDLE: '1' });
      expect(loaded.length, args.join(' ')).toBeGreaterThan(0);
      const heavy = loaded.filter((url) => HEAVY.some((name) => url.includes(`/node_modules${name}`)));
      expect(heavy, args.join(' ')).toEqual([]);
    }
  });

  it('accepts global options before or after the subcommand', async () => {
    const env = isolatedEnv();
    const before = await runCli(['--profile', 'ops', '--json', 'config', 'list'], { env });
    const after = await runCli(['config', 'list', '--profile', 'ops', '--json'], { env });
    expect(before.code).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    expect(after.stderr).toContain('profile: ops');
    expect(JSON.parse(after.stdout)).toContainEqual({ key: 'store', value: 'sqlite' });
  });

  it('rejects an unknown option with exit 2 and one line', async () => {
    const result = await runCli(['config', 'list', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });

  it('rejects an unknown --format with exit 2 naming the choices', async () => {
    const result = await runCli(['config', 'list', '--format', 'yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/table, tsv, json, jsonl, csv/);
  });

  it('sets, gets, lists with origins and unsets settings; the file is 0600', async () => {
    const env = isolatedEnv({ STRIPE_CLIENT_ID: 'ca_from_env' });
    writeFileSync(join(env.HOME!, '.env'), 'STRIPE_CLIENT_ID=ca_from_dotenv\nSTRIPE_REDIRECT_URI=http://127.0.0.1:9999/cb\n');
    expect((await runCli(['config', 'set', 'api_key', 'sk_test_0123456789abcdefWXYZ'], { env })).code).toBe(0);
    expect((await runCli(['config', 'set', 'environment', 'staging'], { env })).code).toBe(0);
    const file = join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const list = await runCli(['config', 'list', '--show-origin', '--format', 'json'], { env });
    const rows = JSON.parse(list.stdout) as Array<Record<string, string>>;
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row('api_key')).toEqual({ key: 'api_key', value: 'sk_test_…WXYZ', origin: 'profile', source: 'profile default' });
    expect(row('client_id')).toMatchObject({ value: 'ca_from_env', origin: 'env', source: 'STRIPE_CLIENT_ID' });
    expect(row('redirect_uri')).toMatchObject({ value: 'http://127.0.0.1:9999/cb', origin: 'dotenv' });
    expect(row('environment')).toMatchObject({ value: 'staging', origin: 'profile' });
    expect(list.stdout).not.toContain('0123456789abcdef');

    expect((await runCli(['config', 'get', 'api_key'], { env })).stdout).toBe('sk_test_…WXYZ\n');
    const refused = await runCli(['config', 'get', 'api_key', '--reveal'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await runCli(['config', 'get', 'api_key', '--reveal', '--yes'], { env })).stdout).toBe('sk_test_0123456789abcdefWXYZ\n');

    expect((await runCli(['config', 'unset', 'api_key'], { env })).code).toBe(0);
    const missing = await runCli(['config', 'get', 'api_key'], { env });
    expect(missing.code).toBe(3);
  });

  it('config set refuses a bad value with exit 2, one line, and changes nothing; a bad value from the environment stops a command before it sends anything', async () => {
    const env = isolatedEnv();
    for (const [key, value, message] of [
      ['pool_size', 'abc', 'pool_size "abc" must be a whole number from 2 to 100'],
      ['api_key', 'pk_test_123', 'api_key pk_t'],
      ['timeout', '-5', 'timeout "-5" must be a whole number'],
      ['api_base', 'not a url', 'api_base "not a url" is not a URL'],
      ['webhook_secret', 'secret', 'must be whsec_'],
    ]) {
      const result = await runCli(['config', 'set', key!, value!], { env });
      expect(result.code, `${key}=${value}`).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
    expect((await runCli(['config', 'set', 'pool_size', '8'], { env })).code).toBe(0);
    expect((await runCli(['config', 'get', 'pool_size'], { env })).stdout.trim()).toBe('8');
    expect((await runCli(['config', 'get', 'api_key'], { env })).stdout.trim()).toBe('');

    const bad = await runCli(['customers', 'list'], { env: { ...env, STRIPE_API_KEY: 'sk_test_abcdefgh12345', ATOM_STRIPE_TIMEOUT: 'abc', STRIPE_API_BASE: 'http://127.0.0.1:9' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: timeout "abc" (from ATOM_STRIPE_TIMEOUT) must be a whole number from 1 to 600000\n');

    // The OAuth client (the platform's secret, not api_key) goes through the same checked path.
    const oauth = await runCli(['connect', '--user-id', 'acme', '--scope', 'read_write', '--code', 'ac_123'], {
      env: { ...env, STRIPE_CLIENT_ID: 'ca_123', STRIPE_CLIENT_SECRET: 'sk_test_abcdefgh12345', ATOM_STRIPE_TIMEOUT: 'abc', STRIPE_API_BASE: 'http://127.0.0.1:9' },
    });
    expect(oauth.code).toBe(2);
    expect(oauth.stderr).toBe('error: timeout "abc" (from ATOM_STRIPE_TIMEOUT) must be a whole number from 1 to 600000\n');
  });

  it('prints every output format for records', async () => {
    const env = isolatedEnv();
    const tsv = await runCli(['config', 'list', '--fields', 'key,value'], { env });
    expect(tsv.stdout.split('\n')[0]).toBe('key\tvalue');
    expect(tsv.stdout).toContain('store\tsqlite\n');
    const csv = await runCli(['config', 'list', '--format', 'csv', '--fields', 'key,value'], { env });
    expect(csv.stdout).toContain('api_base,https://api.stripe.com\n');
    const jsonl = await runCli(['config', 'list', '--format', 'jsonl'], { env });
    const lines = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toContainEqual({ key: 'store', value: 'sqlite' });
  });

  it('fails without a key with exit 2 and says how to give one', async () => {
    const result = await runCli(['api', 'get', '/v1/balance']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no Stripe API key \(set STRIPE_API_KEY, pass --api-key/);
  });

  it('rejects a malformed api path before sending anything', async () => {
    const result = await runCli(['api', 'get', 'customers', '--api-key', 'sk_test_abcdefghijkl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('must start with /v1/');
  });
});
