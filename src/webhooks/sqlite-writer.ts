/**
 * The SQLite insert path on a worker thread. A commit with synchronous=FULL waits for fsync, and
 * better-sqlite3 is synchronous: on the main thread that wait stops every other request. Here the
 * main thread keeps reading and verifying while a batch commits, and every request that arrived
 * meanwhile is merged into the next transaction (receiveMessageOnPort drains the queue), so the
 * disk is never idle while work waits and each fsync covers as many events as possible.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openSqliteDatabase } from '../store/sqlite.js';
import { insertStatements } from './sqlite-store.js';
import type { IncomingEvent, InsertOutcome } from './types.js';

type WireEvent = Omit<IncomingEvent, 'payload'> & { payload: Uint8Array };
interface Request {
  id: number;
  events: WireEvent[];
}

const port = parentPort!;
const db = await openSqliteDatabase((workerData as { file: string }).file);
const insert = insertStatements(db);
const toEvent = (event: WireEvent): IncomingEvent => ({ ...event, payload: Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength) });

port.on('message', (first: Request | 'close') => {
  const requests: Request[] = [];
  let closing = first === 'close';
  if (first !== 'close') requests.push(first);
  for (let next = receiveMessageOnPort(port as never); next && !closing; next = receiveMessageOnPort(port as never)) {
    if (next.message === 'close') closing = true;
    else requests.push(next.message as Request);
  }
  if (requests.length) {
    const events = requests.flatMap((request) => request.events.map(toEvent));
    let outcomes: InsertOutcome[] | undefined;
    let failure: { message: string; code?: string } | undefined;
    try {
      outcomes = insert(events);
    } catch (error) {
      failure = { message: (error as Error).message, code: (error as { code?: string }).code };
    }
    let offset = 0;
    for (const request of requests) {
      if (failure) port.postMessage({ id: request.id, error: failure });
      else port.postMessage({ id: request.id, outcomes: outcomes!.slice(offset, offset + request.events.length) });
      offset += request.events.length;
    }
  }
  if (closing) {
    db.close();
    port.close();
  }
});
port.postMessage({ ready: true });
