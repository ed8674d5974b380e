/**
 * Terminal behaviour in a real pseudo-terminal: tables and colour on a TTY, none with NO_COLOR or
 * --no-color, and confirmations that ask instead of refusing.
 */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { runInPty } from '../helpers/pty.js';

const ESC = '\u001b[';

describe('on a terminal', () => {
  it('prints a table with bold colour headers', async () => {
    const env = isolatedEnv();
    const session = runInPty(['config', 'list', '--fields', 'key,value'], { env });
    const { exitCode } = await session.exit;
    expect(exitCode).toBe(0);
    expect(session.output()).toMatch(/┌─+┬─+┐/);
    expect(session.output()).toMatch(/│ store +│ sqlite +│/);
    expect(session.rawOutput()).toContain(`${ESC}1m`);
  });

  it('prints no colour with NO_COLOR or --no-color', async () => {
    for (const [args, extra] of [
      [['config', 'list'], { NO_COLOR: '1' }],
      [['config', 'list', '--no-color'], {}],
    ] as const) {
      const session = runInPty([...args], { env: isolatedEnv(extra) });
      expect((await session.exit).exitCode).toBe(0);
      expect(session.output()).toMatch(/│ store +│ sqlite +│/);
      expect(session.rawOutput(), args.join(' ')).not.toMatch(/\u001b\[1m|\u001b\[3\dm/);
    }
  });

  it('asks for confirmation on a TTY where a pipe would need --yes', async () => {
    const env = isolatedEnv();
    await runCli(['config', 'set', 'api_key', 'sk_test_0123456789abcdefWXYZ'], { env });
    const piped = await runCli(['config', 'get', 'api_key', '--reveal'], { env });
    expect(piped.code).toBe(2);

    const declined = runInPty(['config', 'get', 'api_key', '--reveal'], { env });
    await declined.answer(/Print api_key in clear text\?/, 'n\r');
    expect((await declined.exit).exitCode).toBe(2);
    expect(declined.output()).not.toContain('0123456789abcdef');

    const accepted = runInPty(['config', 'get', 'api_key', '--reveal'], { env });
    await accepted.answer(/Print api_key in clear text\?/, 'y\r');
    expect((await accepted.exit).exitCode).toBe(0);
    expect(accepted.output()).toContain('sk_test_0123456789abcdefWXYZ');
  });

  it('never prompts under CI even on a terminal', async () => {
    const env = isolatedEnv({ CI: 'true' });
    await runCli(['config', 'set', 'api_key', 'sk_test_0123456789abcdefWXYZ'], { env });
    const session = runInPty(['config', 'get', 'api_key', '--reveal'], { env });
    expect((await session.exit).exitCode).toBe(2);
    expect(session.output()).toContain('pass --yes');
  });
});
