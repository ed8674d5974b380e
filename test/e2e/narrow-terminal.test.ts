/**
 * A terminal that reports 0 columns (docker exec -t, some CI ptys): a command that shows a spinner
 * on a terminal must still finish. ora divides by the width, and with 0 it spun forever.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { withEmulator } from '../helpers/emulator.js';
import { oauthEnv } from '../oauth/helpers.js';

const require = createRequire(import.meta.url);
const REDIRECT = 'http://127.0.0.1:8789/callback';
const emulator = withEmulator({ redirectUris: [REDIRECT] });

describe('on a terminal with no width', () => {
  it('connect --code stores the connection and exits 0', async () => {
    const env = oauthEnv(emulator.current, REDIRECT);
    const approval = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: 'Narrow Ltd' });
    const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
    const command = `stty cols 0 rows 0; exec "${process.execPath}" "${BIN}" connect --user-id narrow --scope read_write --code ${approval.code}`;
    const child = pty.spawn('/bin/sh', ['-c', command], {
      cols: 80,
      rows: 24,
      cwd: env.HOME,
      env: Object.fromEntries(Object.entries({ ...env, TERM: 'xterm-256color' }).filter(([, v]) => v !== undefined)) as Record<string, string>,
    });
    let output = '';
    child.onData((data) => (output += data));
    // A hang shows as a kill by this guard, not as a stuck suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const exit = await new Promise<{ exitCode: number; signal?: number }>((resolve) => child.onExit(resolve));
    clearTimeout(guard);
    expect(exit, output).toMatchObject({ exitCode: 0 });
    expect(output).toContain('narrow');
  });
});
