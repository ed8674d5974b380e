/**
 * `atom-stripe emulator` as a user starts it: a child process, the first stdout line read for its
 * address, commands pointed at it, Ctrl-C to stop.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collect, isolatedEnv, runCli, spawnCli } from '../helpers/cli.js';

const LIVE_KEY = 'sk_live_AuditLiveKeyForTheEmulator000001';

function firstLine(child: ReturnType<typeof spawnCli>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code} before printing its address`)));
  });
}

describe('atom-stripe emulator', () => {
  it('accepts a configured live key: live writes need --live, and make livemode objects', async () => {
    const env = isolatedEnv({ STRIPE_API_KEY: LIVE_KEY, STRIPE_API_BASE: undefined });
    const child = spawnCli(['emulator', '--port', '0', '--json'], { env });
    const done = collect(child, { timeoutMs: 60_000 });
    try {
      const info = JSON.parse(await firstLine(child)) as { api_base: string; secret_key: string };
      expect(info.secret_key).toMatch(/^sk_test_/); // the live key is accepted, never printed
      const clientEnv = { ...env, STRIPE_API_BASE: info.api_base };
      const refused = await runCli(['customers', 'create', '--email', 'live@example.com'], { env: clientEnv });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--live/);
      const created = await runCli(['customers', 'create', '--email', 'live@example.com', '--live', '--json'], { env: clientEnv });
      expect(created.code, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ email: 'live@example.com', livemode: true });
      const test = await runCli(['customers', 'list', '--json'], { env: { ...clientEnv, STRIPE_API_KEY: info.secret_key } });
      expect(JSON.parse(test.stdout)).toEqual([]); // test and live data are apart
    } finally {
      child.kill('SIGINT');
    }
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(LIVE_KEY);
  });

  it('a configured test key is accepted (the README quickstart) and only ever shown masked, with where it came from', async () => {
    const key = 'sk_test_offlinedemo123';
    for (const args of [[], ['--json']]) {
      const env = isolatedEnv({ STRIPE_API_KEY: key, STRIPE_API_BASE: undefined });
      const child = spawnCli(['emulator', '--port', '0', ...args], { env });
      const done = collect(child, { timeoutMs: 60_000 });
      try {
        const first = await firstLine(child);
        const apiBase = args.length ? (JSON.parse(first) as { api_base: string }).api_base : first.replace(/^STRIPE_API_BASE=/, '');
        const created = await runCli(['customers', 'create', '--email', 'jane@example.com', '--json'], { env: { ...env, STRIPE_API_BASE: apiBase } });
        expect(created.code, created.stderr).toBe(0);
      } finally {
        child.kill('SIGINT');
      }
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(key);
      if (args.length) {
        expect(JSON.parse(result.stdout.split('\n')[0]!)).toMatchObject({ accepted_key: 'sk_test_…o123', accepted_key_source: 'STRIPE_API_KEY' });
      } else {
        expect(result.stderr).toContain('The test key sk_test_…o123 from STRIPE_API_KEY is accepted too');
        expect(result.stdout).toMatch(/^STRIPE_CLIENT_SECRET=sk_test_\w+$/m);
      }
    }
  });

  it('a port in use is one line with the fix, exit 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await runCli(['emulator', '--port', String(port)], { env: isolatedEnv() });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: port ${port} on 127.0.0.1 is already in use (pass --port 0 for a free one)\n`);
    } finally {
      server.close();
    }
  });
});
