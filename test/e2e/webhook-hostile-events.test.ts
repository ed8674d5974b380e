/**
 * Validly signed events a sender can craft to hurt the receiver, not the store (issue #12, 5.5 and 5.7):
 * one nested thousands deep must still be acknowledged with --format jsonl, and escape sequences in an
 * event's id or type must reach a terminal only as visible text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { runInPty, type PtySession } from '../helpers/pty.js';
import { SECRET, eventBody, postSigned, spawnListener, waitFor, type SpawnedListener } from '../webhooks/helpers.js';

const DEPTH = 5000;
/** Sequences that would retitle the window (OSC 0), recolour (SGR), clear the screen, or act as an 8-bit CSI. */
const HOSTILE = ['\u001b]0;PWNED\u0007', '\u001b[31m', '\u001b[2J', '\u009b31m'];

describe('hostile but validly signed events', () => {
  const cleanup: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('an event nested 5,000 deep is stored, printed as one jsonl line and answered 200', async () => {
    const env = isolatedEnv();
    const listener: SpawnedListener = await spawnListener(['--secret', SECRET, '--format', 'jsonl'], env);
    cleanup.push(() => listener.stop('SIGKILL'));
    const deep = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
    const body = eventBody().replace('"status":"succeeded"', `"status":"succeeded","nested":${deep}`);
    const id = JSON.parse(body).id as string;
    const response = await postSigned(listener.url, body);
    expect(response.status, response.body).toBe(200);
    // The listener goes on acknowledging afterwards.
    expect((await postSigned(listener.url, eventBody())).status).toBe(200);
    await waitFor(() => listener.stdout().split('\n').filter(Boolean).length === 2, 'two jsonl lines');
    const first = JSON.parse(listener.stdout().split('\n')[0]!) as { id: string; status: string; event: { id: string } };
    expect(first).toMatchObject({ id, status: 'received', event: { id } });
    const shown = await runCli(['webhook', 'events', 'list', '--format', 'tsv', '--fields', 'id'], { env });
    expect(shown.stdout).toContain(id);
    // Showing it works in every format: the payload too deep to stringify is printed as received.
    for (const format of ['json', 'jsonl', 'tsv']) {
      const show = await runCli(['webhook', 'events', 'show', id, '--format', format], { env });
      expect(show.code, `${format}: ${show.stderr}`).toBe(0);
      expect(show.stdout).toContain(deep);
      if (format !== 'tsv') expect(show.stdout.length).toBeGreaterThan(2 * DEPTH);
    }
    const json = await runCli(['webhook', 'events', 'show', id, '--json'], { env });
    expect(json.stdout).toMatch(new RegExp(`"id": "${id}"`));
  });

  it('escape sequences in an event id or type are shown as text on a terminal: listen lines and events list', async () => {
    const env = isolatedEnv();
    const session: PtySession = runInPty(['webhook', 'listen', '--port', '0', '--secret', SECRET], { env });
    cleanup.push(() => session.kill('SIGKILL'));
    await session.waitFor(/Listening on (\S+)/);
    const url = /Listening on (\S+)/.exec(session.output())![1]!;
    const type = `payment_intent.succeeded${HOSTILE.join('')}`;
    const body = eventBody({ type, id: `evt_hostile${HOSTILE[1]}id` });
    expect((await postSigned(url, body)).status).toBe(200);
    await session.waitFor(/\\x1b\]0;PWNED\\x07/);
    for (const sequence of HOSTILE) expect(session.rawOutput()).not.toContain(sequence);
    expect(session.output()).toContain('evt_hostile\\x1b[31mid');
    expect(session.output()).toContain('\\x9b31m');

    const listed = runInPty(['webhook', 'events', 'list'], { env });
    cleanup.push(() => listed.kill('SIGKILL'));
    await listed.exit;
    expect(listed.output()).toContain('\\x1b]0;PWNED\\x07');
    for (const sequence of HOSTILE) expect(listed.rawOutput()).not.toContain(sequence);
  });
});
