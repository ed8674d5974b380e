/**
 * The JSON-lines log at $XDG_STATE_HOME/atom-stripe/atom-stripe.log. Rotated at 10 MB, rotated files
 * kept 30 days. Every line passes through redaction. A log that cannot be written never fails a command.
 */
import { appendFileSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { redactValue } from './redact.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export interface FileLoggerOptions {
  file: string;
  now: () => Date;
  command?: string;
  maxBytes?: number;
  retentionDays?: number;
}

export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function fileLogger(options: FileLoggerOptions): Logger {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const retentionMs = (options.retentionDays ?? 30) * 86_400_000;
  let prepared = false;

  const prepare = () => {
    prepared = true;
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    let size = 0;
    try {
      size = statSync(options.file).size;
    } catch {
      return;
    }
    if (size < maxBytes) return;
    const stamp = options.now().toISOString().replace(/[:.]/g, '-');
    renameSync(options.file, `${options.file}.${stamp}`);
    const cutoff = options.now().getTime() - retentionMs;
    const prefix = `${basename(options.file)}.`;
    for (const name of readdirSync(dirname(options.file))) {
      if (!name.startsWith(prefix)) continue;
      const path = join(dirname(options.file), name);
      if (statSync(path).mtimeMs < cutoff) unlinkSync(path);
    }
  };

  const write = (level: Level, event: string, fields?: Record<string, unknown>) => {
    try {
      if (!prepared) prepare();
      const line = redactValue({
        time: options.now().toISOString(),
        level,
        pid: process.pid,
        command: options.command,
        event,
        ...fields,
      });
      appendFileSync(options.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch {
      // The log is a convenience; a read-only home must not break a cron run.
    }
  };
  return {
    debug: (event, fields) => write('debug', event, fields),
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}
