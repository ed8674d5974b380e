// Webhook replay: 10,000 stored events delivered by the built `webhook replay` (reads the store,
// re-signs each with a fresh timestamp, records every attempt) against a plain loop that POSTs the
// same bodies at the same concurrency, both to the same bare receiver child. Goal: >= 0.7x.
//
// Like with like: both sides are a fresh process timed from spawn to exit. The replay's time
// necessarily includes its start (node, the CLI, opening the store), so the plain loop runs as
// `node plain-loop` too: it starts node, reads the bodies from a file (cheaper than a SQLite
// read) and POSTs them with their stored signatures (no re-signing, no records), using the same
// load() as the throughput bench. Timing the loop inside this already-warm process while the
// replay paid for its start would charge atom-stripe ~0.2 s that the baseline never pays.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv, median } from './lib.mjs';
import { SECRET, load, signedEvent, startChild } from './webhook-throughput.bench.mjs';

const RECEIVER = `
const http = require('node:http');
const server = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200); res.end('ok'); });
});
server.listen(0, '127.0.0.1', () => process.stderr.write('Listening on http://127.0.0.1:' + server.address().port + '/hook\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** The baseline as a program: node, the bodies from a file, load() at the given concurrency. */
const PLAIN_LOOP = `
const [bodies, url, concurrency] = process.argv.slice(1);
const events = require('node:fs').readFileSync(bodies, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
import(process.env.BENCH_THROUGHPUT).then(async ({ load }) => {
  const result = await load(url, events, { concurrency: Number(concurrency), maxMs: 120000 });
  if (result.errors || result.count !== events.length) { process.stderr.write(result.errors + ' plain POSTs failed'); process.exitCode = 1; }
});
`;

/** Wall time from spawn to a clean exit. */
function timeChild(args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.slice(0, 3).join(' ')} exited ${code}: ${stderr}`))));
  });
}

export default async function run({ root, log }) {
  const bin = join(root, 'bin', 'atom-stripe');
  const env = benchEnv({ STRIPE_WEBHOOK_SECRET: SECRET });
  const count = 10_000;
  const concurrency = 16;
  const events = Array.from({ length: count }, () => signedEvent());

  // Fill the store the way the listener does (same module, same file).
  const { openSqliteEventStore } = await import(pathToFileURL(join(root, 'dist', 'webhooks', 'sqlite-store.js')).href);
  const store = await openSqliteEventStore(join(env.XDG_DATA_HOME, 'atom-stripe', 'atom-stripe.db'));
  const now = new Date();
  for (let i = 0; i < count; i += 1000) {
    await store.insert(events.slice(i, i + 1000).map((event) => ({
      eventId: event.id, type: 'payment_intent.succeeded', account: null, livemode: false, created: Math.floor(now.getTime() / 1000),
      source: 'push', payload: Buffer.from(event.body), signature: event.signature, receivedAt: now,
    })));
  }
  await store.close();

  const bodies = join(env.HOME, 'bodies.jsonl');
  writeFileSync(bodies, events.map((event) => JSON.stringify({ body: event.body, signature: event.signature })).join('\n'));
  const plainEnv = { ...env, BENCH_THROUGHPUT: new URL('./webhook-throughput.bench.mjs', import.meta.url).href };

  const receiver = await startChild(['-e', RECEIVER], env);
  const plain = [];
  const replay = [];
  try {
    await load(receiver.url, events.slice(0, 500), { concurrency });
    for (let round = 0; round < 3; round++) {
      plain.push(await timeChild(['-e', PLAIN_LOOP, bodies, receiver.url, String(concurrency)], plainEnv));
      replay.push(await timeChild([bin, 'webhook', 'replay', '--since', '1d', '--to', receiver.url, '--concurrency', String(concurrency), '--format', 'jsonl'], env));
    }
  } finally {
    await receiver.stop();
  }
  const plainRate = (count / median(plain)) * 1000;
  const replayRate = (count / median(replay)) * 1000;
  log(`plain POST loop ${plainRate.toFixed(0)} events/s; webhook replay ${replayRate.toFixed(0)} events/s (median of 3 rounds of ${count}, concurrency ${concurrency}; each a fresh process timed from spawn to exit)`);
  return [
    { name: 'webhook replay: 10,000 stored events/s', value: replayRate, baseline: plainRate, baselineName: 'plain POST loop', unit: 'events/s', ratio: replayRate / plainRate, goal: '>= 0.7x', pass: replayRate / plainRate >= 0.7 },
  ];
}
