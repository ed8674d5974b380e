import { describe, expect, it } from 'vitest';
import { printRecord, printRecords, terminalSafe, terminalSafeJson, type Column } from '../../src/io/output.js';
import { testIO } from '../../src/io/streams.js';

interface Row {
  id: string;
  amount: number;
  currency: string;
  created: number;
  metadata: Record<string, string>;
  note?: string;
}

const rows: Row[] = [
  { id: 'pi_1', amount: 2000, currency: 'usd', created: 1764158400, metadata: { plan: 'gold' }, note: 'a, "quoted"\tvalue' },
  { id: 'pi_2', amount: 1500, currency: 'jpy', created: 1764158460, metadata: {} },
];
const columns: Column<Row>[] = [
  { key: 'id' },
  { key: 'amount', get: (r) => ({ amount: r.amount, currency: r.currency }) },
  { key: 'created', kind: 'time' },
  { key: 'note' },
];

describe('output', () => {
  it('prints tab-separated rows with one header line and ISO times when piped', async () => {
    const io = testIO();
    await printRecords(io, rows, columns, {});
    expect(io.stdoutText()).toBe(
      'id\tamount\tcreated\tnote\npi_1\t$20.00 USD\t2025-11-26T12:00:00Z\ta, "quoted" value\npi_2\t¥1,500 JPY\t2025-11-26T12:01:00Z\t\n',
    );
  });

  it('prints a table on a TTY', async () => {
    const io = testIO({ tty: true });
    await printRecords(io, rows, columns, {});
    const lines = io.stdoutText().split('\n');
    expect(lines[0]).toMatch(/^┌/);
    expect(io.stdoutText()).toMatch(/│ pi_1 +│ \$20\.00 USD +│ 2025-11-26T12:00:00Z/);
  });

  it('prints JSON and JSON lines with the objects unchanged', async () => {
    const json = testIO();
    await printRecords(json, rows, columns, { format: 'json' });
    expect(JSON.parse(json.stdoutText())).toEqual(rows);
    const jsonl = testIO();
    await printRecords(jsonl, rows, columns, { format: 'jsonl' });
    expect(jsonl.stdoutText().trim().split('\n').map((l) => JSON.parse(l))).toEqual(rows);
  });

  it('quotes CSV cells that need it', async () => {
    const io = testIO();
    await printRecords(io, rows, columns, { format: 'csv' });
    expect(io.stdoutText().split('\n')[1]).toBe('pi_1,$20.00 USD,2025-11-26T12:00:00Z,"a, ""quoted""\tvalue"');
  });

  it('selects columns and dotted paths with --fields', async () => {
    const tsv = testIO();
    await printRecords(tsv, rows, columns, { fields: ['id', 'metadata.plan'] });
    expect(tsv.stdoutText()).toBe('id\tmetadata.plan\npi_1\tgold\npi_2\t\n');
    const json = testIO();
    await printRecords(json, rows, columns, { format: 'json', fields: ['id', 'metadata.plan'] });
    expect(JSON.parse(json.stdoutText())).toEqual([{ id: 'pi_1', 'metadata.plan': 'gold' }, { id: 'pi_2', 'metadata.plan': null }]);
  });

  it('prints an empty JSON array and a header-only TSV for no rows', async () => {
    const json = testIO();
    await printRecords(json, [], columns, { format: 'json' });
    expect(JSON.parse(json.stdoutText())).toEqual([]);
    const tsv = testIO();
    await printRecords(tsv, [], columns, {});
    expect(tsv.stdoutText()).toBe('id\tamount\tcreated\tnote\n');
  });

  it('prints one record as an object in JSON', async () => {
    const io = testIO();
    await printRecord(io, rows[0], columns, { format: 'json' });
    expect(JSON.parse(io.stdoutText())).toEqual(rows[0]);
  });
});

describe('terminalSafe', () => {
  it('shows control characters as visible \\xNN, tabs and line breaks as spaces, and leaves the rest alone', () => {
    expect(terminalSafe('a\u001b]0;t\u0007b\u009b31m\tc\nd é ✓')).toBe('a\\x1b]0;t\\x07b\\x9b31m c d é ✓');
    expect(JSON.parse(terminalSafeJson(JSON.stringify({ v: 'x\u009by\u007f' })))).toEqual({ v: 'x\u009by\u007f' });
    expect(terminalSafeJson('"\u009b"')).toBe('"\\u009b"');
  });
});
