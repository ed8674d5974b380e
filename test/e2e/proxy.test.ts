/**
 * HTTPS_PROXY: requests to Stripe go through the corporate proxy with CONNECT. A local proxy that
 * records the CONNECT line and refuses it proves the route without any network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';

let proxy: Server;
const connects: string[] = [];

beforeAll(async () => {
  proxy = createServer((_request, response) => response.writeHead(405).end());
  proxy.on('connect', (request, socket) => {
    connects.push(`${request.method} ${request.url} ${request.headers['proxy-authorization'] ? 'with-auth' : 'no-auth'}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

describe('HTTPS_PROXY', () => {
  it('tunnels Stripe requests through the proxy, and the proxy password is never printed', async () => {
    const port = (proxy.address() as AddressInfo).port;
    const result = await runCli(['api', 'get', '/v1/balance'], {
      env: isolatedEnv({
        STRIPE_API_KEY: 'sk_test_proxytestkey0000',
        HTTPS_PROXY: `http://corp:ProxyPassw0rd@127.0.0.1:${port}`,
        ATOM_STRIPE_MAX_RETRIES: '0',
      }),
    });
    expect(connects[0]).toBe('CONNECT api.stripe.com:443 with-auth');
    expect(result.code).toBe(5);
    expect(result.stderr).not.toContain('ProxyPassw0rd');
  });

  it('does not proxy a local API base', async () => {
    const before = connects.length;
    const port = (proxy.address() as AddressInfo).port;
    const result = await runCli(['api', 'get', '/v1/balance'], {
      env: isolatedEnv({
        STRIPE_API_KEY: 'sk_test_proxytestkey0000',
        STRIPE_API_BASE: 'http://127.0.0.1:1',
        HTTP_PROXY: `http://127.0.0.1:${port}`,
        HTTPS_PROXY: `http://127.0.0.1:${port}`,
        ATOM_STRIPE_MAX_RETRIES: '0',
      }),
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('could not reach http://127.0.0.1:1');
    expect(connects.length).toBe(before);
  });
});
