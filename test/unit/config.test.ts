import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/config/dotenv.js';
import { writeProfileFile } from '../../src/config/profiles.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { isolatedEnv } from '../helpers/cli.js';

describe('config', () => {
  it('parses .env files', () => {
    expect(parseDotenv('# c\nexport A=1\nB="two words"\nC=\'x\'\nD=plain # comment\n\nbad line')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
      D: 'plain',
    });
  });

  it('resolves flag > environment > .env > profile > default', () => {
    const env = isolatedEnv();
    const cwd = env.HOME!;
    writeProfileFile(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'config.json'), {
      profiles: { default: { api_base: 'http://profile', client_id: 'ca_profile', environment: 'staging', store: 'postgres' } },
    });
    writeFileSync(join(cwd, '.env'), 'STRIPE_API_BASE=http://dotenv\nSTRIPE_CLIENT_ID=ca_dotenv\n');
    const config = resolveConfig({ env: { ...env, STRIPE_API_BASE: 'http://env' }, cwd, flags: { api_base: 'http://flag' } });
    expect(config.lookup('api_base')).toMatchObject({ value: 'http://flag', origin: 'flag' });
    const noFlag = resolveConfig({ env: { ...env, STRIPE_API_BASE: 'http://env' }, cwd, flags: {} });
    expect(noFlag.lookup('api_base')).toMatchObject({ value: 'http://env', origin: 'env', source: 'STRIPE_API_BASE' });
    expect(noFlag.lookup('client_id')).toMatchObject({ value: 'ca_dotenv', origin: 'dotenv' });
    expect(noFlag.lookup('environment')).toMatchObject({ value: 'staging', origin: 'profile' });
    expect(noFlag.lookup('timeout')).toMatchObject({ value: '30000', origin: 'default' });
    expect(noFlag.get('webhook_secret')).toBeUndefined();
  });

  it('chooses the profile from the flag, then ATOM_STRIPE_PROFILE, then the file default', () => {
    const env = isolatedEnv();
    writeProfileFile(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'config.json'), {
      default_profile: 'fleet',
      profiles: { fleet: { client_id: 'ca_fleet' }, ops: { client_id: 'ca_ops' }, cli: { client_id: 'ca_cli' } },
    });
    const cwd = env.HOME!;
    expect(resolveConfig({ env, cwd, flags: {} }).get('client_id')).toBe('ca_fleet');
    expect(resolveConfig({ env: { ...env, ATOM_STRIPE_PROFILE: 'ops' }, cwd, flags: {} }).get('client_id')).toBe('ca_ops');
    expect(resolveConfig({ env: { ...env, ATOM_STRIPE_PROFILE: 'ops' }, cwd, flags: {}, profile: 'cli' }).get('client_id')).toBe('ca_cli');
  });

  it('writes the profile file with mode 0600 in a 0700 directory', () => {
    const env = isolatedEnv();
    const dir = join(env.XDG_CONFIG_HOME!, 'atom-stripe');
    mkdirSync(env.XDG_CONFIG_HOME!, { recursive: true });
    writeProfileFile(join(dir, 'config.json'), { profiles: { default: { api_key: 'sk_test_x' } } });
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
