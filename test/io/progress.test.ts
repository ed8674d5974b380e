/** io.progress: the bar long commands (webhook replay) draw on stderr, only on a TTY and never under CI. */
import { describe, expect, it } from 'vitest';
import { testIO } from '../../src/io/streams.js';

describe('io.progress', () => {
  it('draws done/total and failures on a TTY stderr, and ends its line', () => {
    const io = testIO({ tty: true });
    const bar = io.progress(4);
    bar.update(1, 0);
    bar.update(4, 1);
    bar.finish();
    expect(io.stderrText()).toBe(`\r[########----------------------] 1/4\r[##############################] 4/4 (1 failed)\n`);
  });

  it('never overflows the bar when the work outgrows the total', () => {
    const io = testIO({ tty: true });
    io.progress(2).update(3);
    expect(io.stderrText()).toBe(`\r[##############################] 3/2`);
  });

  it('draws nothing when stderr is not a TTY, or under CI', () => {
    for (const io of [testIO({ tty: false }), testIO({ tty: true, env: { CI: 'true' } }), testIO({ tty: true, env: { CI: '1' } })]) {
      const bar = io.progress(3);
      bar.update(3, 1);
      bar.finish();
      expect(io.stderrText()).toBe('');
    }
  });
});
