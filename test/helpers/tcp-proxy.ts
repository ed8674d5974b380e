/**
 * A TCP proxy the test controls, to put between the tool and a real server (PostgreSQL on
 * 127.0.0.1:5432 by default) and simulate the network failing: `kill()` destroys every open
 * connection and stops listening (connections then drop mid-query, and new ones are refused),
 * `start()` listens again on the same port, so the tool's URL stays valid across an outage.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on; the same after a kill and a start. */
  readonly port: number;
  /** True between start() and kill(). */
  readonly listening: boolean;
  /** Connections accepted since the proxy was created. */
  readonly accepted: number;
  /** The local ports of the open connections to the target (PostgreSQL's pg_stat_activity.client_port). */
  upstreamPorts(): number[];
  /** Destroys every current connection (both sides) and stops listening. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** kill(), for afterAll. */
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetHost?: string;
  targetPort?: number;
}

export async function startTcpProxy(options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const targetPort = options.targetPort ?? 5432;
  const sockets = new Set<net.Socket>();
  const upstreams = new Set<net.Socket>();
  let accepted = 0;
  let server: net.Server | undefined;
  let port = 0;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset while the test tears a connection down is the point, not a failure.
    socket.on('error', () => {});
  };

  const onConnection = (client: net.Socket) => {
    accepted++;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    track(client);
    track(upstream);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer(onConnection);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        server = next;
        port = (next.address() as AddressInfo).port;
        resolve();
      });
    });

  const kill = async () => {
    const current = server;
    server = undefined;
    const closed = current ? new Promise<void>((resolve) => current.close(() => resolve())) : Promise.resolve();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get listening() {
      return server !== undefined;
    },
    get accepted() {
      return accepted;
    },
    upstreamPorts: () => [...upstreams].map((socket) => socket.localPort).filter((value): value is number => typeof value === 'number'),
    kill,
    async start() {
      if (server) return;
      // The port was ours a moment ago; retry briefly in case the kernel has not let it go yet.
      for (let attempt = 1; ; attempt++) {
        try {
          return await listen();
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    close: kill,
  };
}

/** The URL of a test schema (see test/contract/postgres-schema.ts), through the proxy. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
