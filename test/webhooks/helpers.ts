/**
 * Shared by the webhook tests: signed events, a raw POST client, a scriptable receiver, a listener
 * spawned from the built binary, and bounded polling (never fixed sleeps).
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { spawnCli, type Env } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

export const SECRET = 'whsec_test_primary_0123456789abcdef';
export const OLD_SECRET = 'whsec_test_previous_0123456789abcdef';

export function eventBody(overrides: Record<string, unknown> = {}, padTo = 0): string {
  const id = `evt_${randomBytes(12).toString('hex')}`;
  const event: Record<string, unknown> = {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `pi_${randomBytes(8).toString('hex')}`, object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded' } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
    ...overrides,
  };
  let text = JSON.stringify(event);
  if (padTo > text.length) {
    (event.data as { object: Record<string, unknown> }).object.metadata = { pad: 'x'.repeat(padTo - text.length - 20) };
    text = JSON.stringify(event);
  }
  return text;
}

export function sign(body: string | Buffer, secrets: string[] = [SECRET], timestamp = Math.floor(Date.now() / 1000)): string {
  const sigs = secrets.map((secret) => createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex'));
  return [`t=${timestamp}`, ...sigs.map((sig) => `v1=${sig}`)].join(',');
}

export interface Response {
  status: number;
  body: string;
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { 'content-type': 'application/json', ...headers }, agent: keepAliveAgent }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

export function postSigned(url: string, body: string, secrets: string[] = [SECRET]): Promise<Response> {
  return post(url, body, { 'stripe-signature': sign(body, secrets) });
}

export interface Received {
  body: string;
  signature: string | undefined;
  path: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer for the nth request (0-based). */
  close(): Promise<void>;
}

export async function startReceiver(answer: (index: number, request: Received) => number = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const entry = { body, signature: request.headers['stripe-signature'] as string | undefined, path: request.url ?? '/' };
      const status = answer(received.length, entry);
      received.push(entry);
      response.writeHead(status).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { waitFor };

export interface SpawnedListener {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `webhook listen` from the built binary and waits for its "Listening on" / "Polling" line. */
export async function spawnListener(args: string[], env: Env): Promise<SpawnedListener> {
  const child = spawnCli(['webhook', 'listen', '--port', '0', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const url = await waitFor(() => {
    if (done) throw new Error(`listener exited early:\n${stderr}`);
    return /Listening on (\S+)/.exec(stderr)?.[1] ?? (/Polling the Events API/.test(stderr) ? 'poll' : undefined);
  }, 'the listener to start', 30_000);
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
