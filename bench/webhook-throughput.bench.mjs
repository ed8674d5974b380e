// Webhook throughput: signed 2 KB events at 64 concurrent keep-alive connections into the built
// `webhook listen` (SQLite store, synchronous=FULL, group commit), against a bare node:http server
// that only reads the body and answers 200, both in child processes, in the same run.
// Goal: at least 0.5x the bare server's events/s. p99 latency is reported for both.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { benchEnv, median, percentile } from './lib.mjs';

export const SECRET = 'whsec_bench_0123456789abcdef0123456789';

/** A signed Stripe-shaped event of about `size` bytes. */
export function signedEvent(size = 2048, secret = SECRET) {
  const id = `evt_${randomBytes(12).toString('hex')}`;
  const event = {
    id, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), livemode: false,
    pending_webhooks: 1, request: { id: null, idempotency_key: null }, type: 'payment_intent.succeeded',
    data: { object: { id: `pi_${randomBytes(8).toString('hex')}`, object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded', metadata: {} } },
  };
  const base = JSON.stringify(event).length;
  event.data.object.metadata.pad = 'x'.repeat(Math.max(0, size - base - 10));
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return { id, body, signature: `t=${t},v1=${v1}` };
}

/**
 * The load generator: `concurrency` keep-alive connections to 127.0.0.1, each sending the next event
 * as soon as its previous one is answered; stops after `events` or `maxMs`. Returns events/s and
 * latencies. Any non-2xx counts as an error.
 */
export async function load(url, events, { concurrency = 64, maxMs = 30_000 } = {}) {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error('the load generator only targets 127.0.0.1');
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const send = (event) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const request = http.request(target, {
        method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(event.body), ...(event.signature ? { 'stripe-signature': event.signature } : {}) },
      }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode < 200 || response.statusCode >= 300) errors++;
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(event.body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length && performance.now() - started < maxMs) await send(events[next++]);
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  return { count: latencies.length, errors, perSecond: (latencies.length / elapsed) * 1000, p99: percentile(latencies, 99), elapsedMs: elapsed };
}

const BARE_SERVER = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => { Buffer.concat(chunks); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"received":true}'); });
});
server.listen(0, '127.0.0.1', () => process.stderr.write('Listening on http://127.0.0.1:' + server.address().port + '/webhooks\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** Spawns a server child and resolves with its URL from the "Listening on" line. */
export function startChild(args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      const match = /Listening on (\S+)/.exec(stderr);
      if (match) resolve({ url: match[1], stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

export default async function run({ root, log }) {
  const bin = join(root, 'bin', 'atom-stripe');
  const env = benchEnv({ STRIPE_WEBHOOK_SECRET: SECRET });
  const count = 8000;
  const rounds = 3;
  const bare = [];
  const listen = [];
  for (let round = 0; round < rounds; round++) {
    // Fresh events per round (a repeat would be a duplicate, a cheaper path); same sizes for both.
    const events = Array.from({ length: count }, () => signedEvent());
    const warmup = Array.from({ length: 500 }, () => signedEvent());
    const baseline = await startChild(['-e', BARE_SERVER], env);
    await load(baseline.url, warmup);
    bare.push(await load(baseline.url, events));
    await baseline.stop();
    const listener = await startChild([bin, 'webhook', 'listen', '--port', '0'], env);
    await load(listener.url, warmup);
    listen.push(await load(listener.url, events));
    await listener.stop();
  }
  for (const result of [...bare, ...listen]) if (result.errors) throw new Error(`${result.errors} requests failed`);
  const bareRate = median(bare.map((r) => r.perSecond));
  const listenRate = median(listen.map((r) => r.perSecond));
  const bareP99 = median(bare.map((r) => r.p99));
  const listenP99 = median(listen.map((r) => r.p99));
  log(`bare node:http ${bareRate.toFixed(0)} events/s p99 ${bareP99.toFixed(1)} ms; webhook listen ${listenRate.toFixed(0)} events/s p99 ${listenP99.toFixed(1)} ms (median of ${rounds} rounds of ${count}, 64 connections)`);
  return [
    { name: 'webhook listen: signed 2 KB events/s (sqlite, 64 conns)', value: listenRate, baseline: bareRate, baselineName: 'bare node:http 200', unit: 'events/s', ratio: listenRate / bareRate, goal: '>= 0.5x', pass: listenRate / bareRate >= 0.5 },
    { name: 'webhook listen: p99 latency', value: listenP99, baseline: bareP99, baselineName: 'bare node:http 200', unit: 'ms', ratio: listenP99 / bareP99, goal: 'reported', pass: true },
  ];
}
