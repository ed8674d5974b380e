/**
 * The SQLite write path on a worker thread. A commit with synchronous=FULL waits for fsync, and
 * better-sqlite3 is synchronous: on the main thread that wait stops every other request. Here the
 * main thread keeps reading and verifying while a batch commits, and every job that arrived
 * meanwhile (arrivals and attempt records alike) is merged into the next transaction
 * (receiveMessageOnPort drains the queue), so the disk is never idle while work waits and each
 * fsync covers as much as possible. Each job is answered only after the commit that holds it.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { openSqliteDatabase } from '../store/sqlite.js';
import { writeStatements, type WriteJob } from './sqlite-store.js';
import type { AttemptResult, IncomingEvent, InsertOutcome } from './types.js';

type WireEvent = Omit<IncomingEvent, 'payload'> & { payload: Uint8Array };
interface Request {
  id: number;
  job: { events: WireEvent[] } | { results: AttemptResult[] };
}

const port = parentPort!;
const db = await openSqliteDatabase((workerData as { file: string }).file);
const writes = writeStatements(db);
const toEvent = (event: WireEvent): IncomingEvent => ({ ...event, payload: Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength) });
const wireError = (error: unknown) => ({ message: (error as Error).message ?? String(error), code: (error as { code?: string }).code });
const toJob = (request: Request): WriteJob => ('events' in request.job ? { events: request.job.events.map(toEvent) } : request.job);

port.on('message', (first: Request | 'close') => {
  const requests: Request[] = [];
  let closing = first === 'close';
  if (first !== 'close') requests.push(first);
  for (let next = receiveMessageOnPort(port as never); next && !closing; next = receiveMessageOnPort(port as never)) {
    if (next.message === 'close') closing = true;
    else requests.push(next.message as Request);
  }
  if (requests.length) {
    const jobs = requests.map(toJob);
    let answers: Array<{ outcomes?: InsertOutcome[]; error?: { message: string; code?: string } }>;
    try {
      answers = writes.apply(jobs).map((outcomes) => ({ outcomes }));
    } catch (error) {
      // One bad job must not fail the others merged with it: each is tried again on its own.
      answers = jobs.length === 1 ? [{ error: wireError(error) }] : jobs.map((job) => {
        try {
          return { outcomes: writes.apply([job])[0] };
        } catch (jobError) {
          return { error: wireError(jobError) };
        }
      });
    }
    requests.forEach((request, index) => port.postMessage({ id: request.id, ...answers[index] }));
  }
  if (closing) {
    db.close();
    port.close();
  }
});
port.postMessage({ ready: true });
