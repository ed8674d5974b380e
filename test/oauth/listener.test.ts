/** The callback listener in-process: one matching request ends it; anything else is rejected and it keeps waiting. */
import { describe, expect, it } from 'vitest';
import { noopLogger } from '../../src/log.js';
import { bindError, startCallbackListener } from '../../src/oauth/listener.js';
import { freePort, portOpen } from './helpers.js';

async function listen(timeoutMs = 10_000, signal = new AbortController().signal) {
  const port = await freePort();
  const rejected: string[] = [];
  const listener = await startCallbackListener({
    redirectUri: new URL(`http://127.0.0.1:${port}/callback`),
    state: 'good-state',
    timeoutMs,
    signal,
    log: noopLogger,
    onRejected: (reason) => rejected.push(reason),
  });
  return { listener, port, rejected };
}

describe('callback listener', () => {
  it('rejects other paths, methods and states, then accepts the matching one and holds its page until told', async () => {
    const { listener, port, rejected } = await listen();
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/other?state=good-state&code=ac_1`)).status).toBe(404);
    expect((await fetch(`${base}/callback?state=bad&code=ac_1`)).status).toBe(400);
    expect((await fetch(`${base}/callback?code=ac_1`)).status).toBe(400);
    expect((await fetch(`${base}/callback?state=good-state&code=ac_1`, { method: 'POST' })).status).toBe(405);
    expect(rejected).toHaveLength(4);
    const response = fetch(`${base}/callback?state=good-state&code=ac_good&scope=read_only`);
    const result = await listener.result;
    expect(result).toMatchObject({ code: 'ac_good', scope: 'read_only' });
    result.respond(200, '<p>done</p>');
    expect(await (await response).text()).toBe('<p>done</p>');
    await listener.close();
    expect(await portOpen(port)).toBe(false);
  });

  it('ends with an AuthError on error=access_denied with the right state', async () => {
    const { listener, port } = await listen();
    const response = await fetch(`http://127.0.0.1:${port}/callback?state=good-state&error=access_denied&error_description=nope`);
    expect(response.status).toBe(400);
    await expect(listener.result).rejects.toMatchObject({ exitCode: 4, message: 'the authorization was denied (access_denied: nope)' });
    await listener.close();
  });

  it('ignores an error with a wrong state (a forged denial cannot end the flow)', async () => {
    const { listener, port } = await listen(300);
    expect((await fetch(`http://127.0.0.1:${port}/callback?state=forged&error=access_denied`)).status).toBe(400);
    await expect(listener.result).rejects.toMatchObject({ exitCode: 5 });
    await listener.close();
  });

  it('times out with exit 5 and is interrupted with 130 when the signal aborts', async () => {
    const slow = await listen(200);
    await expect(slow.listener.result).rejects.toMatchObject({ exitCode: 5, message: expect.stringContaining('within 0 s') });
    await slow.listener.close();
    const controller = new AbortController();
    const interrupted = await listen(10_000, controller.signal);
    controller.abort();
    await expect(interrupted.listener.result).rejects.toMatchObject({ exitCode: 130 });
    await interrupted.listener.close();
    expect(await portOpen(interrupted.port)).toBe(false);
  });

  it('refuses a port in use, naming it and the flags that fix it', async () => {
    const { listener, port } = await listen();
    await expect(
      startCallbackListener({ redirectUri: new URL(`http://127.0.0.1:${port}/callback`), state: 's', timeoutMs: 1000, signal: new AbortController().signal, log: noopLogger }),
    ).rejects.toThrow(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    await listener.close();
  });

  it('binds the loopback address the redirect URI names: [::1], 127.0.0.2, and localhost on both families', async () => {
    for (const [host, reach] of [['[::1]', ['[::1]']], ['127.0.0.2', ['127.0.0.2']], ['localhost', ['127.0.0.1', '[::1]']]] as const) {
      const port = await freePort();
      const listener = await startCallbackListener({
        redirectUri: new URL(`http://${host}:${port}/callback`), state: 'good-state', timeoutMs: 10_000, signal: new AbortController().signal, log: noopLogger,
      });
      for (const address of reach) expect((await fetch(`http://${address}:${port}/other`)).status, `${host} via ${address}`).toBe(404);
      const response = fetch(`http://${reach[0]}:${port}/callback?state=good-state&code=ac_v6`);
      const result = await listener.result;
      expect(result.code).toBe('ac_v6');
      result.respond(200, 'ok');
      expect((await response).status).toBe(200);
      await listener.close();
    }
  });

  it('a redirect URI naming a loopback address this machine lacks is a usage error (exit 2), not a wait', () => {
    const missing = Object.assign(new Error('listen EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' });
    expect(bindError(missing, '::1', 8789, '/callback')).toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('names [::1], which is not a loopback address this machine has'),
      hint: 'pass --redirect-uri http://127.0.0.1:8789/callback (registered with Stripe)',
    });
  });
});
