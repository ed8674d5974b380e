/**
 * A forward target with credentials in its URL (`http://user:pass@host/...`): the credentials are
 * sent to the target as Basic auth, and never stored in the attempts table, printed by
 * `webhook events show` (table or --json), by listen, replay or trigger, or written to the log
 * (issue #12, 5.2).
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, waitFor, type SpawnedListener } from '../webhooks/helpers.js';

const USER = 'hookuser7';
const PASSWORD = 'Pa55wordInTheUrl';

/** A target that records the Authorization header of each POST. */
async function startTarget() {
  const authorizations: Array<string | undefined> = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      authorizations.push(request.headers.authorization);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${USER}:${PASSWORD}@127.0.0.1:${port}/hook`,
    authorizations,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Every file under `dir`, concatenated: the log, the database and its WAL. */
function everything(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? everything(path) : readFileSync(path, 'latin1');
  }
  return text;
}

function expectNoCredentials(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(USER);
}

describe('credentials in a forward URL', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('are sent as Basic auth, and never stored, printed or logged', async () => {
    const env: Env = isolatedEnv();
    const target = await startTarget();
    cleanup.push(target.close);
    const listener: SpawnedListener = await spawnListener(['--secret', SECRET, '--forward-to', target.url, '--verbose'], env);
    cleanup.push(() => listener.stop('SIGKILL'));
    const body = eventBody();
    const id = JSON.parse(body).id as string;
    expect((await postSigned(listener.url, body)).status).toBe(200);
    await waitFor(() => target.authorizations.length === 1, 'the forward');
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    expect(target.authorizations[0]).toBe(basic);
    expect((await listener.stop('SIGTERM')).code).toBe(0);
    expectNoCredentials(listener.stderr());
    expect(listener.stderr()).toContain('forwarding to http://****@127.0.0.1:');

    const replayed = await runCli(['webhook', 'replay', id, '--to', target.url, '--secret', SECRET], { env });
    expect(replayed.code, replayed.stderr).toBe(0);
    const triggered = await runCli(['webhook', 'trigger', 'payment_intent.succeeded', '--to', target.url, '--secret', SECRET], { env });
    expect(triggered.code, triggered.stderr).toBe(0);
    expect(target.authorizations).toEqual([basic, basic, basic]);
    for (const result of [replayed, triggered]) expectNoCredentials(result.stdout + result.stderr);

    const table = await runCli(['webhook', 'events', 'show', id], { env });
    const json = await runCli(['webhook', 'events', 'show', id, '--json'], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('http://****@127.0.0.1:');
    expectNoCredentials(table.stdout + table.stderr + json.stdout + json.stderr);
    const attempts = JSON.parse(json.stdout).attempts as Array<{ kind: string; target: string }>;
    expect(attempts.map((attempt) => attempt.kind).sort()).toEqual(['forward', 'replay']);
    for (const attempt of attempts) expect(attempt.target).toMatch(/^http:\/\/\*\*\*\*@127\.0\.0\.1:\d+\/hook$/);

    const file = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
    const stored = execFileSync('/usr/bin/sqlite3', [file, 'SELECT target FROM stripe_webhook_attempts'], { encoding: 'utf8' });
    expect(stored.trim().split('\n')).toHaveLength(3);
    expectNoCredentials(stored);
    // The log file and the database files themselves.
    expectNoCredentials(everything(env.XDG_STATE_HOME!) + everything(env.XDG_DATA_HOME!));
  });
});
