import { describe, expect, it } from 'vitest';
import { reflow } from '../../src/commands/help.js';

describe('reflow: command details are wrapped by commander, not by the source', () => {
  it('joins the lines of a paragraph', () => {
    expect(reflow('Verify calls GET /v1/account:\nsuccess sets last_verified_at,\n--json prints a report.')).toBe(
      'Verify calls GET /v1/account:\nsuccess sets last_verified_at, --json prints a report.',
    );
  });

  it('keeps blank lines, indented lines and list items on their own lines', () => {
    const details = ['Checks:', '  config   settings are valid', '  store    the store opens', '', 'A checklist on', 'a terminal.', '- one', '- two'].join('\n');
    expect(reflow(details)).toBe(
      ['Checks:', '  config   settings are valid', '  store    the store opens', '', 'A checklist on a terminal.', '- one', '- two'].join('\n'),
    );
  });
});

describe('help through the binary', () => {
  it('keeps no line break of the source inside a paragraph', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const result = await runCli(['token', 'refresh', '--help']);
    expect(result.code).toBe(0);
    // Piped, commander wraps at 80 columns: every line of the paragraph but its last is nearly full.
    const paragraph = result.stdout.split('\n\n').find((block) => block.startsWith('Verify calls'))!;
    const lines = paragraph.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(0, -1)) expect(line.length).toBeGreaterThan(60);
  });
});
