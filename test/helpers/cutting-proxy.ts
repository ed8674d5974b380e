/**
 * A TCP proxy in front of the emulator that can lose answers: in `cut` mode it forwards every
 * request, waits for the first byte of the response (the emulator answers only after it has done
 * the work), and then closes the client's connection without passing anything on. The client sees
 * a reset after the write was made, the fault a dropped Wi-Fi or a restarted load balancer makes.
 * In `pass` mode it forwards both ways. The port stays the same, so the CLI's --api-base does too.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type CuttingMode = 'pass' | 'cut';

export interface CuttingProxy {
  readonly url: string;
  mode: CuttingMode;
  /** In cut mode, only answers to requests whose path starts with this are withheld (all when unset). */
  cutPath: string | undefined;
  /** Responses withheld so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: { host: string; port: number }): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  let mode: CuttingMode = 'pass';
  let cutPath: string | undefined;
  let cuts = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    track(client);
    track(upstream);
    // The path of the request last sent on this connection (keep-alive sends them one at a time).
    let path = '';
    /** A request was sent and its answer has not begun. */
    let waiting = false;
    client.on('data', (chunk: Buffer) => {
      const line = /^(?:GET|POST|DELETE) (\S+) HTTP\/1\.1/m.exec(chunk.toString('latin1'));
      if (line) path = line[1]!;
      waiting = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      waiting = false;
      if (mode === 'cut' && (cutPath === undefined || path.startsWith(cutPath))) {
        cuts++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    client.on('end', () => void (waiting || upstream.end()));
    // A client that goes away (Ctrl-C) does not take back a request it has sent: the server sees
    // nothing until it answers, and finishes the work, as Stripe does.
    client.on('close', () => (waiting ? upstream.once('data', () => upstream.destroy()) : upstream.destroy()));
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    set mode(next: CuttingMode) {
      mode = next;
    },
    get cutPath() {
      return cutPath;
    },
    set cutPath(next: string | undefined) {
      cutPath = next;
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
