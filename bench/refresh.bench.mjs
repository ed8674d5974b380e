// Token refresh throughput: verify 1,000 stored tokens against the emulator with 50 ms of latency
// per request at --concurrency 16. The baseline is the ideal, 1,000 x 50 ms / 16 = 3,125 ms; the
// figure includes process start, store reads and one CAS write per token. Goal: <= 1.3x.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv, timeRunAsync } from './lib.mjs';

const TOKENS = 1000;
const LATENCY_MS = 50;
const CONCURRENCY = 16;


export default async function bench({ root, log }) {
  const dist = (path) => pathToFileURL(join(root, 'dist', path)).href;
  const { startEmulator } = await import(dist('emulator/index.js'));
  const { resolveConfig } = await import(dist('config/resolve.js'));
  const { openTokenStore } = await import(dist('store/index.js'));
  const { noopLogger } = await import(dist('log.js'));
  const { default: Stripe } = await import('stripe');

  const emulator = await startEmulator({ port: 0, redirectUris: ['http://127.0.0.1:8789/callback'] });
  try {
    const env = benchEnv({ STRIPE_API_BASE: emulator.url, STRIPE_CLIENT_ID: emulator.clientId, STRIPE_CLIENT_SECRET: emulator.secretKey, TZ: 'UTC' });
    const config = resolveConfig({ env, cwd: env.HOME, flags: {} });
    const store = await openTokenStore({ kind: 'sqlite', profile: config.profile, env, config, log: noopLogger, now: () => new Date(), io: { err: (line) => process.stderr.write(`${line}\n`) } });
    const platform = new Stripe(emulator.secretKey, { host: emulator.host, port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
    for (let batch = 0; batch < TOKENS; batch += 50) {
      const tokens = await Promise.all(
        Array.from({ length: Math.min(50, TOKENS - batch) }, () => {
          const approval = emulator.control.approveOAuth({ redirectUri: 'http://127.0.0.1:8789/callback', scope: 'read_write' });
          return platform.oauth.token({ grant_type: 'authorization_code', code: approval.code });
        }),
      );
      for (const [index, token] of tokens.entries()) {
        await store.put({ user_id: `shop-${String(batch + index).padStart(4, '0')}`, access_token: token.access_token, refresh_token: token.refresh_token, stripe_user_id: token.stripe_user_id, scope: token.scope });
      }
    }
    await store.close();
    emulator.control.setLatency(LATENCY_MS);
    const before = emulator.control.requestCount('GET', '/v1/account');
    const elapsed = await timeRunAsync(process.execPath, [join(root, 'bin', 'atom-stripe'), 'token', 'refresh', '--all', '--concurrency', String(CONCURRENCY), '--rate', '0'], env);
    const verified = emulator.control.requestCount('GET', '/v1/account') - before;
    if (verified !== TOKENS) throw new Error(`expected ${TOKENS} verifications, the emulator saw ${verified}`);
    const ideal = (TOKENS * LATENCY_MS) / CONCURRENCY;
    const ratio = elapsed / ideal;
    log(`verified ${TOKENS} tokens in ${elapsed.toFixed(0)} ms; ideal ${ideal.toFixed(0)} ms (${TOKENS} x ${LATENCY_MS} ms / ${CONCURRENCY})`);
    return [
      { name: `token refresh: verify ${TOKENS} tokens, ${LATENCY_MS} ms latency, concurrency ${CONCURRENCY}`, value: elapsed, baseline: ideal, baselineName: `ideal ${TOKENS} x ${LATENCY_MS} ms / ${CONCURRENCY}`, unit: 'ms', ratio, goal: '<= 1.3x', pass: ratio <= 1.3 },
    ];
  } finally {
    await emulator.close();
  }
}
