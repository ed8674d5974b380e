/** Atomic writes for node_exporter's textfile collector: it must never read half a file. */
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OperationError } from '../errors.js';

export function writeTextfile(file: string, text: string, cwd: string): void {
  const path = resolve(cwd, file);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    throw new OperationError(`cannot write ${path}: ${(error as Error).message}`, { hint: 'check that the folder exists and is writable', cause: error });
  }
}
