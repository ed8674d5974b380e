/**
 * `connect` with a redirect URI on a loopback address other than 127.0.0.1 (issue #12, 5.6): the
 * listener binds the address the URI names, so the browser's redirect to http://[::1]:PORT/...
 * reaches it instead of the flow timing out.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { withEmulator } from '../helpers/emulator.js';
import { browserLog, oauthEnv, scriptedBrowser } from '../oauth/helpers.js';

const port = 40000 + Math.floor(Math.random() * 20000);
const uris = [`http://[::1]:${port}/callback`, `http://127.0.0.2:${port + 1}/callback`];
const emulator = withEmulator({ redirectUris: uris });

describe('connect with a loopback redirect URI other than 127.0.0.1', () => {
  for (const uri of uris) {
    it(`receives the redirect on ${uri}`, async () => {
      const env = oauthEnv(emulator.current, uri);
      env.BROWSER = scriptedBrowser(env, 'approve');
      const result = await runCli(['connect', '--user-id', 'loop', '--scope', 'read_write', '--timeout', '20', '--json'], { env, timeoutMs: 40_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`Waiting for the redirect on ${uri}`);
      expect(JSON.parse(result.stdout)).toMatchObject({ user_id: 'loop', scope: 'read_write' });
      expect(browserLog(env).find((step) => step.step === 'callback')).toMatchObject({ status: 200 });
    });
  }
});
