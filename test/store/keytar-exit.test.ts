/**
 * The exit timer after a command: armed only while a keychain call that timed out still waits in
 * keytar's thread, so any other handle left open shows as a process that lingers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const late = { answer: undefined as (() => void) | undefined };
vi.mock('keytar', () => {
  const slow = () => new Promise<null>((resolve) => (late.answer = () => resolve(null)));
  return { default: { getPassword: slow, setPassword: slow, deletePassword: slow, findCredentials: slow } };
});

const { exitIfKeychainHangs, openKeychain } = await import('../../src/store/keytar.js');

describe('the exit timer after a keychain timeout', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function armed(): { exit: ReturnType<typeof vi.fn>; report: ReturnType<typeof vi.fn> } {
    vi.useFakeTimers();
    const exit = vi.fn();
    vi.spyOn(process, 'exit').mockImplementation(exit as never);
    const report = vi.fn();
    exitIfKeychainHangs(report);
    return { exit, report };
  }

  it('is not armed when no call timed out, or when the one that did has answered since', async () => {
    let { exit } = armed();
    vi.advanceTimersByTime(60_000);
    expect(exit).not.toHaveBeenCalled();
    vi.useRealTimers();

    const keychain = await openKeychain(20);
    await expect(keychain.get('atom-stripe', 'default/acme')).rejects.toThrow(/no answer/);
    late.answer!();
    await new Promise((resolve) => setImmediate(resolve));
    ({ exit } = armed());
    vi.advanceTimersByTime(60_000);
    expect(exit).not.toHaveBeenCalled();
  });

  it('ends the process 2 s after the command while a timed-out call still waits, and reports it first', async () => {
    const keychain = await openKeychain(20);
    await expect(keychain.get('atom-stripe', 'default/acme')).rejects.toThrow(/no answer/);
    const { exit, report } = armed();
    vi.advanceTimersByTime(1999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(report).toHaveBeenCalledWith(1);
    expect(exit).toHaveBeenCalledOnce();
    late.answer!();
  });
});
