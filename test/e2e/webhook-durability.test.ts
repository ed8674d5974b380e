/**
 * Durability: 2,000 signed events at 32 concurrent connections, the listener killed with SIGKILL
 * mid-way (no drain, no goodbye), restarted, and every event that was answered 2xx must be in the
 * store. Then the events that never got an answer are sent again and the store holds each once.
 */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, waitFor } from '../webhooks/helpers.js';

describe('webhook listen durability (e2e)', () => {
  it('keeps every acknowledged event across a SIGKILL', async () => {
    const env = isolatedEnv();
    const bodies = Array.from({ length: 2000 }, () => eventBody({}, 1024));
    const acknowledged = new Set<string>();
    const unanswered: string[] = [];
    const first = await spawnListener(['--secret', SECRET], env);
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        if (!killed && acknowledged.size >= 700) {
          killed = true;
          first.child.kill('SIGKILL');
        }
        try {
          const response = await postSigned(first.url, body);
          if (response.status === 200) acknowledged.add(JSON.parse(body).id);
          else unanswered.push(body);
        } catch {
          unanswered.push(body);
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(killed).toBe(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(700);
    expect(unanswered.length).toBeGreaterThan(0);

    const second = await spawnListener(['--secret', SECRET], env);
    const storedIds = async () => {
      const list = await runCli(['webhook', 'events', 'list', '--all', '--format', 'jsonl', '--fields', 'id'], { env });
      expect(list.code).toBe(0);
      return new Set(list.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).id as string));
    };
    const stored = await storedIds();
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);

    // Stripe would retry the unanswered ones; some may have been stored before the kill (duplicates).
    const statuses: number[] = [];
    const queue = [...unanswered];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let body = queue.pop(); body; body = queue.pop()) statuses.push((await postSigned(second.url, body)).status);
      }),
    );
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const all = await storedIds();
    expect(all.size).toBe(2000);
    expect((await second.stop('SIGTERM')).code).toBe(0);
    await waitFor(() => /Stopped: received \d+, duplicates \d+/.test(second.stderr()), 'the summary');
  });
});
