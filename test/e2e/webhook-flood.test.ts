/**
 * A flood of large unsigned or falsely signed bodies must not grow the listener (issue #12, 5.4):
 * before the fix, 400 connections of 1 MB each took it from 75 MB to 467 MB. Bodies without a v1
 * signature are refused before they are buffered; the rest share a bounded budget, answered 503
 * past it. Signed events are still served while the flood holds its share. The bound is on memory
 * (the kernel's peak-RSS counter, VmHWM), not on time.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, waitFor, type SpawnedListener } from '../webhooks/helpers.js';

const CONNECTIONS = 400;
const BODY_BYTES = 1_000_000;
const PEAK_RSS_LIMIT_KB = 200 * 1024;

function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
}

/** Sends headers and `bytes` of body on a raw socket; settles once written, refused or cut. */
function floodOne(url: URL, signature: string | undefined, bytes: number, body: Buffer): { socket: Socket; settled: Promise<void> } {
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const settled = new Promise<void>((resolve) => {
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => {});
    socket.once('connect', () => {
      const headers = [
        `POST ${url.pathname} HTTP/1.1`,
        `Host: ${url.host}`,
        'Content-Type: application/json',
        `Content-Length: ${BODY_BYTES}`,
        ...(signature ? [`Stripe-Signature: ${signature}`] : []),
        '',
        '',
      ].join('\r\n');
      socket.write(headers);
      socket.write(body.subarray(0, bytes), () => resolve());
    });
  });
  return { socket, settled };
}

describe('webhook listen under a flood of large bodies', () => {
  const sockets: Socket[] = [];
  let listener: SpawnedListener | undefined;
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await listener?.stop('SIGKILL');
  });

  it('keeps its memory bounded and still answers signed events 200', async () => {
    const env = isolatedEnv();
    listener = await spawnListener(['--secret', SECRET], env);
    const pid = listener.child.pid!;
    const url = new URL(listener.url);
    const body = Buffer.alloc(BODY_BYTES, 'x');
    const forged = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
    // Half unsigned and complete (the reproduction); half with a forged signature, held one byte short of complete.
    const flood = Array.from({ length: CONNECTIONS }, (_, index) =>
      index % 2 ? floodOne(url, undefined, BODY_BYTES, body) : floodOne(url, forged, BODY_BYTES - 1, body),
    );
    sockets.push(...flood.map((one) => one.socket));
    await waitFor(async () => (await Promise.all(flood.map((one) => one.settled)), true), 'the flood to be sent', 120_000);

    // The held bodies still hold their share of the budget: signed events are served regardless.
    for (let index = 0; index < 20; index++) {
      const response = await postSigned(listener.url, eventBody());
      expect(response.status, response.body).toBe(200);
    }
    expect(memoryKb(pid, 'VmHWM')).toBeLessThan(PEAK_RSS_LIMIT_KB);
    expect(memoryKb(pid, 'VmRSS')).toBeLessThan(PEAK_RSS_LIMIT_KB);
    // Both defences were used: unsigned bodies refused at their headers, forged ones past the budget answered 503.
    const log = readFileSync(join(env.XDG_STATE_HOME!, 'atom-stripe', 'atom-stripe.log'), 'utf8');
    expect(log).toContain('"reason":"missing_header"');
    expect(log).toContain('"reason":"buffer_budget_exhausted"');
  }, 180_000);
});
