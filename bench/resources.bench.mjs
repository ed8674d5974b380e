// Resource listing figures, each against a baseline in the same run:
//  - `customers list --all --format jsonl` over 100,000 seeded emulator customers vs a plain
//    stripe-node autoPagingEach loop writing the same JSON lines (time ratio and the CLI's peak RSS);
//  - `customers list --limit 10 --json` cold vs `node -e 0`.
// The emulator runs in this process; both children talk to it over HTTP and write to /dev/null.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv, median, timeRunAsync } from './lib.mjs';

const CUSTOMERS = 100_000;

/** A preload that records the process's peak RSS (VmHWM, kB) into $HWM_FILE when it exits. */
const HWM_PRELOAD = `
const { readFileSync, writeFileSync } = require('node:fs');
process.on('exit', () => {
  const match = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match && process.env.HWM_FILE) writeFileSync(process.env.HWM_FILE, match[1]);
});
`;

/** The baseline: what a person would write with stripe-node alone. */
const LOOP = `
import Stripe from 'stripe';
const [host, port, key] = process.argv.slice(2);
const stripe = new Stripe(key, { host, port: Number(port), protocol: 'http' });
let buffer = '';
await stripe.customers.list({ limit: 100 }).autoPagingEach((customer) => {
  buffer += JSON.stringify(customer) + '\\n';
  if (buffer.length > 65536) { process.stdout.write(buffer); buffer = ''; }
});
process.stdout.write(buffer);
`;

/**
 * The floor under the cold-start goal: stripe-node alone, from the same single-file build the CLI
 * uses (dist/vendor/stripe.cjs), listing 10 customers and printing them. No CLI can start faster
 * while driving stripe-node, so the report shows it beside the CLI.
 */
const PLAIN_LIST = `
const loaded = require(process.argv[2]);
const Stripe = loaded.default ?? loaded;
const [host, port, key] = process.argv.slice(3);
new Stripe(key, { host, port: Number(port), protocol: 'http' }).customers.list({ limit: 10 })
  .then((page) => process.stdout.write(JSON.stringify(page.data, null, 2) + '\\n'));
`;


export default async function run({ root, log }) {
  const { startEmulator } = await import(pathToFileURL(join(root, 'dist', 'emulator', 'index.js')).href);
  const emulator = await startEmulator({ port: 0, seed: { customers: CUSTOMERS } });
  try {
    const work = mkdtempSync(join(tmpdir(), 'atom-stripe-bench-resources-'));
    process.on('exit', () => rmSync(work, { recursive: true, force: true }));
    const preload = join(work, 'hwm.cjs');
    const hwmFile = join(work, 'hwm');
    writeFileSync(preload, HWM_PRELOAD);
    // The loop must resolve `stripe` from the project's node_modules.
    const loop = join(root, 'bench', '.resources-loop.tmp.mjs');
    writeFileSync(loop, LOOP);
    const env = benchEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey });
    const bin = join(root, 'bin', 'atom-stripe');

    const runs = 3;
    const cliTimes = [];
    const loopTimes = [];
    const peaks = [];
    for (let i = 0; i < runs; i++) {
      loopTimes.push(await timeRunAsync(process.execPath, [loop, emulator.host, String(emulator.port), emulator.secretKey], env));
      cliTimes.push(
        await timeRunAsync(process.execPath, ['--require', preload, bin, 'customers', 'list', '--all', '--format', 'jsonl'], { ...env, HWM_FILE: hwmFile }),
      );
      peaks.push(Number(readFileSync(hwmFile, 'utf8')) / 1024);
    }
    const cli = median(cliTimes);
    const baseline = median(loopTimes);
    const peak = Math.max(...peaks);
    log(`customers list --all over ${CUSTOMERS}: ${cli.toFixed(0)} ms vs autoPagingEach ${baseline.toFixed(0)} ms (median of ${runs}); peak RSS ${peak.toFixed(1)} MB`);

    // Spawned asynchronously (not lib.mjs's spawnSync): the emulator answers from this process.
    const plainList = join(work, 'plain-list.cjs');
    writeFileSync(plainList, PLAIN_LIST);
    const plainArgs = [plainList, join(root, 'dist', 'vendor', 'stripe.cjs'), emulator.host, String(emulator.port), emulator.secretKey];
    const coldNode = [];
    const coldList = [];
    const coldPlain = [];
    for (let i = 0; i < 15; i++) {
      coldNode.push(await timeRunAsync(process.execPath, ['-e', '0'], env));
      coldList.push(await timeRunAsync(process.execPath, [bin, 'customers', 'list', '--limit', '10', '--json'], env));
      coldPlain.push(await timeRunAsync(process.execPath, plainArgs, env));
    }
    const nodeCold = median(coldNode);
    const listCold = median(coldList);
    const plainCold = median(coldPlain);
    // The first run has no code cache yet (bin/atom-stripe writes it at the end of that run), as after an install or upgrade.
    log(`customers list --limit 10 --json ${listCold.toFixed(1)} ms vs node -e 0 ${nodeCold.toFixed(1)} ms (median of 15); first run, before the code cache exists: ${coldList[0].toFixed(1)} ms; plain stripe-node script ${plainCold.toFixed(1)} ms`);
    return [
      {
        name: `customers list --all (${CUSTOMERS / 1000}k, jsonl)`, value: cli, baseline, baselineName: 'stripe-node autoPagingEach loop', unit: 'ms',
        ratio: cli / baseline, goal: '<= 1.2x', pass: cli / baseline <= 1.2,
      },
      {
        name: `customers list --all peak RSS (${CUSTOMERS / 1000}k)`, value: peak, baseline: 150, baselineName: 'goal 150 MB', unit: 'MB',
        ratio: peak / 150, goal: '<= 150 MB', pass: peak <= 150,
      },
      {
        name: 'cold start: customers list --limit 10 --json', value: listCold, baseline: nodeCold, baselineName: 'node -e 0', unit: 'ms',
        ratio: listCold / nodeCold, goal: '<= 2.2x', pass: listCold / nodeCold <= 2.2,
      },
      {
        name: 'cold start: plain stripe-node script lists 10 customers (the floor)', value: plainCold, baseline: nodeCold, baselineName: 'node -e 0', unit: 'ms',
        ratio: plainCold / nodeCold, goal: 'reported', pass: true,
      },
    ];
  } finally {
    rmSync(join(root, 'bench', '.resources-loop.tmp.mjs'), { force: true });
    await emulator.close();
  }
}
