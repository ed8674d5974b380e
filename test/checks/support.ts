/**
 * Shared by the health, smoke and metrics tests: parsing JUnit with a real XML parser, seeding the
 * token and webhook stores of an isolated home, and servers that misbehave on purpose.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import type { Env } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import type { NewTokenRecord } from '../../src/store/types.js';

export interface JUnitCase {
  name: string;
  classname: string;
  time: number;
  failure?: { message: string; text: string; type: string };
  skipped?: { message: string };
  systemOut?: string;
}

export interface JUnitReport {
  tests: number;
  failures: number;
  skipped: number;
  cases: JUnitCase[];
  /** By check id (the part of the testcase name before the colon). */
  byId: Record<string, JUnitCase>;
}

export function parseJUnit(xml: string): JUnitReport {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: 'text', parseAttributeValue: false, isArray: (name) => name === 'testcase' });
  const document = parser.parse(xml) as { testsuites: { testsuite: Record<string, unknown> & { testcase?: Array<Record<string, unknown>> } } };
  const suite = document.testsuites.testsuite;
  const asText = (value: unknown) => (typeof value === 'object' && value !== null ? String((value as { text?: unknown }).text ?? '') : String(value ?? ''));
  const cases = (suite.testcase ?? []).map((raw): JUnitCase => {
    const failure = raw.failure as Record<string, unknown> | undefined;
    const skipped = raw.skipped as Record<string, unknown> | undefined;
    return {
      name: String(raw.name),
      classname: String(raw.classname),
      time: Number(raw.time),
      failure: failure ? { message: String(failure.message), text: asText(failure), type: String(failure.type) } : undefined,
      skipped: skipped !== undefined ? { message: String((skipped as Record<string, unknown>).message ?? '') } : undefined,
      systemOut: raw['system-out'] !== undefined ? asText(raw['system-out']) : undefined,
    };
  });
  return {
    tests: Number(suite.tests),
    failures: Number(suite.failures),
    skipped: Number(suite.skipped),
    cases,
    byId: Object.fromEntries(cases.map((c) => [c.name.split(':')[0], c])),
  };
}

export function readJUnit(file: string): JUnitReport {
  return parseJUnit(readFileSync(file, 'utf8'));
}

/** Writes token records into the store an isolated home's CLI runs will open. */
export async function seedTokens(env: Env, records: NewTokenRecord[]): Promise<void> {
  const { ctx } = testContext({ env });
  try {
    const store = await ctx.tokens();
    for (const record of records) await store.put(record);
  } finally {
    await ctx.close();
  }
}

/** A TCP server that accepts connections and never says a word: a PostgreSQL that hangs. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SeedEvent {
  type: string;
  status: 'received' | 'forwarded' | 'failed' | 'dead';
  /** Status codes of forward attempts, in order (null: no response); the last one sets `status`. */
  attempts?: Array<number | null>;
}

/** Stores webhook events (and their forward attempts) where the CLI of this home will look. */
export async function seedWebhookEvents(env: Env, events: SeedEvent[], now = new Date()): Promise<void> {
  const { ctx } = testContext({ env });
  try {
    const store = await ctx.events();
    let index = 0;
    for (const event of events) {
      const eventId = `evt_seed_${Date.now().toString(36)}_${index++}`;
      const payload = Buffer.from(JSON.stringify({ id: eventId, object: 'event', type: event.type, data: { object: {} } }));
      await store.insert([{ eventId, type: event.type, account: null, livemode: false, created: Math.floor(now.getTime() / 1000), source: 'push', payload, signature: null, receivedAt: now }]);
      const stored = await store.get(eventId, null);
      if (!stored) throw new Error(`seeded event ${eventId} not found`);
      const attempts = event.attempts ?? [];
      for (const [n, statusCode] of attempts.entries()) {
        const last = n === attempts.length - 1;
        await store.recordAttempts([
          {
            row: stored.row,
            kind: 'forward',
            target: 'http://127.0.0.1:9/webhooks',
            statusCode,
            durationMs: 3,
            error: statusCode !== null && statusCode < 300 ? null : `HTTP ${statusCode}`,
            attemptedAt: now,
            next: last ? { status: event.status, nextAttemptAt: null, lastError: event.status === 'forwarded' ? null : 'HTTP 500', countAttempt: true } : { status: 'failed', nextAttemptAt: now, lastError: 'HTTP 500', countAttempt: true },
          },
        ]);
      }
    }
  } finally {
    await ctx.close();
  }
}
