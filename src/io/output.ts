/**
 * Records out: table on a TTY, TSV when piped, or json | jsonl | csv on request.
 * JSON prints Stripe's objects unchanged; the other formats print the noun's columns.
 */
import type { IO } from './streams.js';
import { UsageError } from '../errors.js';
import { formatAmount } from '../stripe/money.js';

export const FORMATS = ['table', 'tsv', 'json', 'jsonl', 'csv'] as const;
export type Format = (typeof FORMATS)[number];
/** Formats a single command understands (metrics: the Prometheus text exposition format). */
export const SPECIAL_FORMATS = ['prometheus'] as const;
export type OutputFormat = Format | (typeof SPECIAL_FORMATS)[number];

export interface OutputOptions {
  format?: OutputFormat;
  /** --fields a,b,c: column keys, or dotted paths into the raw object. */
  fields?: string[];
}

/** A money cell prints as `$20.00 USD`. */
export interface Money {
  amount: number;
  currency: string;
}
export type Cell = string | number | boolean | null | undefined | Date | Money;

export interface Column<T> {
  key: string;
  header?: string;
  /** Defaults to the record's property of the same dotted path. */
  get?: (row: T) => Cell;
  /** 'time' reads Stripe's unix seconds; 'money' reads a Money cell. */
  kind?: 'time' | 'money';
}

export function parseFormat(value: string | undefined, json: boolean | undefined): OutputFormat | undefined {
  if (json) return 'json';
  if (value === undefined) return undefined;
  if (![...FORMATS, ...SPECIAL_FORMATS].includes(value as OutputFormat)) {
    throw new UsageError(`unknown --format "${value}"`, { hint: `use one of ${FORMATS.join(', ')}` });
  }
  return value as OutputFormat;
}

export function parseFields(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const fields = value.split(',').map((f) => f.trim()).filter(Boolean);
  return fields.length ? fields : undefined;
}

export function effectiveFormat(io: IO, options: OutputOptions): Format {
  if (options.format === 'prometheus') {
    throw new UsageError('--format prometheus is only for atom-stripe metrics', { hint: `use one of ${FORMATS.join(', ')}` });
  }
  return options.format ?? (io.isStdoutTTY ? 'table' : 'tsv');
}

export function getPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isMoney(value: unknown): value is Money {
  return typeof value === 'object' && value !== null && 'amount' in value && 'currency' in value;
}

export function formatTime(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('.000Z', 'Z');
}

export function formatCell(value: unknown, kind?: Column<unknown>['kind']): string {
  if (value === null || value === undefined) return '';
  if (kind === 'time' || value instanceof Date) return formatTime(value);
  if (kind === 'money' || isMoney(value)) {
    const money = value as Money;
    return typeof money.amount === 'number' ? formatAmount(money.amount, money.currency) : '';
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function selectColumns<T>(columns: Column<T>[], fields: string[] | undefined): Column<T>[] {
  if (!fields) return columns;
  return fields.map((field) => columns.find((c) => c.key === field) ?? { key: field });
}

/**
 * Remote data (an event's id or type, a customer's name) may carry ANSI or OSC escapes that would
 * recolour the terminal, retitle it or forge lines. On a terminal every control character is shown
 * as a visible \xNN instead; tabs and line breaks become spaces, so one value stays one cell.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) =>
    char === '\t' || char === '\n' || char === '\r' ? ' ' : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** JSON already escapes C0 controls; C1 controls (U+0080-U+009F, e.g. an 8-bit CSI) are escaped too on a terminal. */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function cellsOf<T>(row: T, columns: Column<T>[], safe = false): string[] {
  return columns.map((column) => {
    const cell = formatCell(column.get ? column.get(row) : getPath(row, column.key), column.kind);
    return safe ? terminalSafe(cell) : cell;
  });
}

function pickFields(row: unknown, fields: string[] | undefined): unknown {
  if (!fields) return row;
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = getPath(row, field) ?? null;
  return out;
}

const tsvEscape = (cell: string) => cell.replace(/[\t\r\n]+/g, ' ');
const csvEscape = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

export interface RecordWriter<T> {
  write(row: T): void;
  /** Flushes a table (tables need every row for their widths) and returns the row count. */
  end(): Promise<number>;
}

/**
 * A streaming writer: jsonl, tsv and csv print each row as it arrives, so `--all` over 100,000
 * objects keeps memory flat. JSON streams an array; a table is printed at the end.
 */
export function createRecordWriter<T>(io: IO, columns: Column<T>[], options: OutputOptions): RecordWriter<T> {
  const format = effectiveFormat(io, options);
  const selected = selectColumns(columns, options.fields);
  // A table is for a person; any format that lands on a terminal is neutralised too.
  const safe = format === 'table' || io.isStdoutTTY;
  const json = (text: string) => (safe ? terminalSafeJson(text) : text);
  let count = 0;
  const tableRows: string[][] = [];
  let buffer = '';
  // Writes are batched into one string per ~64 KB: one write per row costs more than the rows.
  const emit = (text: string) => {
    buffer += text;
    if (buffer.length > 65536) flush();
  };
  const flush = () => {
    if (buffer) io.stdout.write(buffer);
    buffer = '';
  };
  return {
    write(row) {
      if (count === 0) {
        if (format === 'tsv') emit(`${selected.map((c) => c.header ?? c.key).join('\t')}\n`);
        if (format === 'csv') emit(`${selected.map((c) => csvEscape(c.header ?? c.key)).join(',')}\n`);
        if (format === 'json') emit('[\n');
      }
      switch (format) {
        case 'json':
          emit(`${count ? ',\n' : ''}${json(JSON.stringify(pickFields(row, options.fields), null, 2)).replace(/^/gm, '  ')}`);
          break;
        case 'jsonl':
          emit(`${json(JSON.stringify(pickFields(row, options.fields)))}\n`);
          break;
        case 'tsv':
          emit(`${cellsOf(row, selected, safe).map(tsvEscape).join('\t')}\n`);
          break;
        case 'csv':
          emit(`${cellsOf(row, selected, safe).map(csvEscape).join(',')}\n`);
          break;
        case 'table':
          tableRows.push(cellsOf(row, selected, true));
          break;
      }
      count++;
    },
    async end() {
      if (format === 'json') emit(count ? '\n]\n' : '[]\n');
      if (format === 'tsv' && count === 0) emit(`${selected.map((c) => c.header ?? c.key).join('\t')}\n`);
      if (format === 'csv' && count === 0) emit(`${selected.map((c) => csvEscape(c.header ?? c.key)).join(',')}\n`);
      if (format === 'table') {
        if (count === 0) {
          io.err('No results.');
        } else {
          emit(`${await renderTable(io, selected.map((c) => c.header ?? c.key), tableRows)}\n`);
        }
      }
      flush();
      return count;
    },
  };
}

/** Prints a whole list. */
export async function printRecords<T>(io: IO, rows: Iterable<T>, columns: Column<T>[], options: OutputOptions): Promise<number> {
  const writer = createRecordWriter(io, columns, options);
  for (const row of rows) writer.write(row);
  return writer.end();
}

/** Prints one record: a vertical key/value table on a TTY, the object itself in JSON. */
export async function printRecord<T>(io: IO, row: T, columns: Column<T>[], options: OutputOptions): Promise<void> {
  const format = effectiveFormat(io, options);
  if (format === 'json') {
    const text = JSON.stringify(pickFields(row, options.fields), null, 2);
    io.out(io.isStdoutTTY ? terminalSafeJson(text) : text);
    return;
  }
  if (format === 'table') {
    const selected = selectColumns(columns, options.fields);
    const cells = cellsOf(row, selected, true);
    const { default: Table } = await import('cli-table3');
    const table = new Table({ style: { head: [], border: [] } });
    selected.forEach((column, index) => table.push({ [io.chalk.bold(column.header ?? column.key)]: cells[index] }));
    io.out(table.toString());
    return;
  }
  await printRecords(io, [row], columns, options);
}

async function renderTable(io: IO, headers: string[], rows: string[][]): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({
    head: headers.map((h) => io.chalk.bold(h)),
    style: { head: [], border: [] },
    wordWrap: false,
  });
  for (const row of rows) table.push(row);
  return table.toString();
}
