/**
 * `connect` and `disconnect` end to end: the built binary against the in-process emulator, with a
 * scripted browser that clicks through the emulator's consent page.
 */
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, type Env, type RunResult } from '../helpers/cli.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { browserLog, freePort, logText, oauthEnv, portOpen, scriptedBrowser, TOKEN_PATTERN, waitUntil } from '../oauth/helpers.js';

const ports: number[] = [];
for (let index = 0; index < 8; index++) ports.push(40000 + Math.floor(Math.random() * 20000));
const redirectUris = ports.map((port) => `http://127.0.0.1:${port}/callback`);
const emulator = withEmulator({ redirectUris });

let nextPort = 0;
/** A registered redirect URI whose port is free right now. */
async function redirect(): Promise<{ uri: string; port: number }> {
  for (;;) {
    const port = ports[nextPort++ % ports.length];
    if (!(await portOpen(port))) return { uri: `http://127.0.0.1:${port}/callback`, port };
  }
}

function expectNoTokens(result: RunResult, env: Env): void {
  expect(result.stdout).not.toMatch(TOKEN_PATTERN);
  expect(result.stderr).not.toMatch(TOKEN_PATTERN);
  expect(logText(env)).not.toMatch(TOKEN_PATTERN);
}

describe('connect', () => {
  it('connects through the browser: consent page, redirect to the listener, success page, record stored, port freed', async () => {
    const { uri, port } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    env.BROWSER = scriptedBrowser(env, 'approve');
    const result = await runCli(['connect', '--user-id', 'acme', '--scope', 'read_write', '--json'], { env });
    expect(result.stderr).toContain('Opened the browser');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ user_id: 'acme', business_name: 'Connected test business', livemode: false, scope: 'read_write' });
    expect(printed.stripe_user_id).toMatch(/^acct_/);
    expect(Object.keys(printed)).not.toContain('access_token');
    const steps = browserLog(env);
    expect(steps.find((step) => step.step === 'consent')).toMatchObject({ status: 200, approve: true });
    expect(steps.find((step) => step.step === 'redirect')).toMatchObject({ status: 302, toListener: true });
    const callback = steps.find((step) => step.step === 'callback')!;
    expect(callback.status).toBe(200);
    expect(callback.body).toContain('Connected');
    expect(await portOpen(port)).toBe(false);
    expectNoTokens(result, env);

    // The stored token works: a verify through it succeeds.
    const verify = await runCli(['token', 'refresh', '--user-id', 'acme', '--json'], { env });
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).results[0]).toMatchObject({ user_id: 'acme', stripe_user_id: printed.stripe_user_id, outcome: 'verified' });

    // Connecting the same name again without --force is refused before anything is sent.
    const again = await runCli(['connect', '--user-id', 'acme', '--scope', 'read_write'], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(browserLog(env).filter((step) => step.step === 'consent')).toHaveLength(1);
  });

  it('exchanges a code given with --code, without a browser or a listener', async () => {
    const { uri } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    const approval = emulator.current.control.approveOAuth({ redirectUri: uri, scope: 'read_only', businessName: 'Code Shop' });
    const result = await runCli(['connect', '--user-id', 'shop', '--scope', 'read_only', '--code', approval.code], { env });
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.trim().split('\n');
    expect(header.split('\t')).toEqual(['user_id', 'account', 'business_name', 'email', 'livemode', 'scope']);
    expect(row.split('\t')).toEqual(['shop', approval.stripeUserId, 'Code Shop', '', 'false', 'read_only']);
    expectNoTokens(result, env);
    // A code works once.
    const replay = await runCli(['connect', '--user-id', 'shop2', '--scope', 'read_only', '--code', approval.code], { env });
    expect(replay.code).toBe(4);
    expect(replay.stderr).toMatch(/^error: Stripe: .*already used/m);
    expectNoTokens(replay, env);
  });

  it('ends with exit 4 when the user denies access', async () => {
    const { uri, port } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    env.BROWSER = scriptedBrowser(env, 'deny');
    const result = await runCli(['connect', '--user-id', 'nope', '--scope', 'read_write'], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error: the authorization was denied \(access_denied: The user denied your request\)/m);
    expect(result.stdout).toBe('');
    expect(browserLog(env).find((step) => step.step === 'callback')?.body).toContain('Not connected');
    expect(await portOpen(port)).toBe(false);
  });

  it('ignores a callback with the wrong state, says so, and keeps waiting for the real one', async () => {
    const { uri } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    env.BROWSER = scriptedBrowser(env, 'mismatch');
    const result = await runCli(['connect', '--user-id', 'careful', '--scope', 'read_write'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: a callback with a state that does not match this sign-in arrived; still waiting');
    expect(browserLog(env).find((step) => step.step === 'forged')?.status).toBe(400);
    expect(logText(env)).toContain('"event":"oauth.callback.rejected"');
    expect(result.stdout).toMatch(/^careful\tacct_/m);
  });

  it('times out with exit 5, printing the URL on stderr when there is no browser and no TTY', async () => {
    const { uri, port } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    const result = await runCli(['connect', '--user-id', 'slow', '--scope', 'read_write', '--no-browser', '--timeout', '1'], { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('To authorize with Stripe, open this URL in a browser:');
    expect(result.stderr).toMatch(new RegExp(`${emulator.current.url}/oauth/authorize\\?response_type=code&client_id=ca_\\w+&scope=read_write&state=[\\w-]{43}&redirect_uri=`));
    expect(result.stderr).toMatch(/^error: no OAuth callback arrived on .* within 1 s \(.*--timeout.*--code/m);
    expect(await portOpen(port)).toBe(false);
  });

  it('names the port and the fix when the port is taken', async () => {
    const { uri, port } = await redirect();
    const blocker: Server = createServer((_request, response) => response.end('busy'));
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const env = oauthEnv(emulator.current, uri);
      const result = await runCli(['connect', '--user-id', 'busy', '--scope', 'read_write', '--no-browser'], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: port ${port} on 127.0.0.1 is already in use.*--port N or --redirect-uri`, 'm'));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('stops on Ctrl-C with exit 130 and frees the port', async () => {
    const { uri, port } = await redirect();
    const env = oauthEnv(emulator.current, uri);
    const child = spawnCli(['connect', '--user-id', 'later', '--scope', 'read_write', '--no-browser'], { env });
    const done = collect(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitUntil(() => stderr.includes('Waiting for the redirect'), 15_000, 'the listener');
    expect(await portOpen(port)).toBe(true);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^error: interrupted/m);
    expect(await portOpen(port)).toBe(false);
  });

  it('rejects made-up scopes and lists missing settings without a TTY, sending nothing', async () => {
    const { uri } = await redirect();
    const before = emulator.current.control.requests().total;
    const env = oauthEnv(emulator.current, uri);
    const scope = await runCli(['connect', '--user-id', 'x', '--scope', 'payments'], { env });
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/^error: "payments" is not a Stripe OAuth scope; Stripe has only read_write and read_only/m);
    const missing = await runCli(['connect', '--user-id', 'x'], { env: { ...env, STRIPE_CLIENT_ID: undefined } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: missing STRIPE_CLIENT_ID .*, --scope read_write\|read_only/m);
    const port = await runCli(['connect', '--scope', 'read_write', '--port', '99999'], { env });
    expect(port.code).toBe(2);
    expect(emulator.current.control.requests().total).toBe(before);
  });

  it('shows examples and exit codes in --help', async () => {
    const result = await runCli(['connect', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('$ atom-stripe connect --user-id acme --scope read_write');
    expect(result.stdout).toMatch(/Exit codes:[\s\S]*130/);
  });
});

describe('connect with a redirect the listener cannot receive', () => {
  it('https or a remote host: prints the authorize URL and says to use --code, exit 2, at once, nothing stored', async () => {
    const env = oauthEnv(emulator.current, 'https://platform.example.com/oauth/cb');
    const result = await runCli(['connect', '--user-id', 'remote', '--scope', 'read_write', '--timeout', '600'], { env, timeoutMs: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ {2}http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?.*redirect_uri=https%3A%2F%2Fplatform\.example\.com%2Foauth%2Fcb/m);
    expect(result.stderr).toMatch(/^Stripe redirects to https:\/\/platform\.example\.com\/oauth\/cb, which this command cannot receive/m);
    expect(result.stderr).toMatch(/^error: the redirect URI https:\/\/platform\.example\.com\/oauth\/cb cannot reach this command's callback listener \(approve in the browser, then run atom-stripe connect --code/m);
    expect((await runCli(['token', 'list', '--json'], { env })).stdout.trim()).toBe('[]');
  });
});

describe('disconnect', () => {
  async function connected(env: Env, userId: string): Promise<string> {
    const approval = emulator.current.control.approveOAuth({ redirectUri: env.STRIPE_REDIRECT_URI, scope: 'read_write' });
    const result = await runCli(['connect', '--user-id', userId, '--scope', 'read_write', '--code', approval.code], { env });
    expect(result.code).toBe(0);
    return approval.stripeUserId;
  }

  it('deauthorizes at Stripe and deletes the record; asks for --yes without a TTY', async () => {
    const env = oauthEnv(emulator.current, redirectUris[0]);
    const account = await connected(env, 'gone');
    const refused = await runCli(['disconnect', 'gone'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing without confirmation \(pass --yes\)/);

    const deauthorizations = emulator.current.control.requestCount('POST', '/oauth/deauthorize');
    const result = await runCli(['disconnect', 'gone', '--yes', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ user_id: 'gone', stripe_user_id: account, record: 'deleted', already_disconnected: false });
    expect(emulator.current.control.requestCount('POST', '/oauth/deauthorize')).toBe(deauthorizations + 1);
    expect(result.stderr).not.toMatch(TOKEN_PATTERN);

    const again = await runCli(['disconnect', 'gone', '--yes'], { env });
    expect(again.code).toBe(3);
    // The token no longer works as --account.
    const asAccount = await runCli(['api', 'get', '/v1/customers', '--account', 'gone'], { env });
    expect(asAccount.code).toBe(3);
    expect(asAccount.stderr).toMatch(/connect --user-id gone/);
  });

  it('keeps a revoked record with --keep, and cleans up an account already disconnected at Stripe', async () => {
    const env = oauthEnv(emulator.current, redirectUris[0]);
    await connected(env, 'kept');
    const kept = await runCli(['disconnect', 'kept', '--yes', '--keep'], { env });
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('the record is kept, marked revoked');
    const asAccount = await runCli(['api', 'get', '/v1/customers', '--account', 'kept'], { env });
    expect(asAccount.code).toBe(4);
    expect(asAccount.stderr).toMatch(/connection "kept" is revoked \(run atom-stripe connect --user-id kept/);

    const account = await connected(env, 'elsewhere');
    await stripeFor(emulator.current).oauth.deauthorize({ client_id: emulator.current.clientId, stripe_user_id: account });
    const result = await runCli(['disconnect', 'elsewhere', '--yes'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('it was already disconnected at Stripe');
    const list = await runCli(['token', 'refresh', '--user-id', 'elsewhere'], { env });
    expect(list.code).toBe(3);
  });
});
