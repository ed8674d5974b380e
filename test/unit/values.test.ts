import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { formatDuration, parseDuration, parsePort, parseRate, parseSize, parseWholeNumber, urlProblem, wholeNumberProblem } from '../../src/values.js';
import { parseDuration as parseMaxAge } from '../../src/oauth/duration.js';
import { parseDuration as parseCheckTimeout } from '../../src/checks/engine.js';
import { parseDuration as parseWebhookDuration, parsePort as parseListenPort } from '../../src/webhooks/parse.js';
import { parsePort as parseCallbackPort, parseTimeoutSeconds } from '../../src/oauth/authorize.js';

const usage = (fn: () => unknown, message: RegExp) => {
  expect(fn).toThrow(UsageError);
  expect(fn).toThrow(message);
};

describe('one parser for every command', () => {
  it.each([
    ['1500ms', 1500], ['10s', 10_000], ['2m', 120_000], ['24h', 86_400_000], ['7d', 604_800_000], ['2w', 1_209_600_000], ['45', 45_000], [' 1.5h ', 5_400_000],
  ])('parses the duration %s the same way for every command', (text, ms) => {
    expect(parseDuration(text, '--x')).toBe(ms);
    expect(parseMaxAge(text)).toBe(ms);
    expect(parseCheckTimeout(text, '--timeout')).toBe(ms);
    expect(parseWebhookDuration(text, '--interval')).toBe(ms);
  });

  it('uses the bare unit only for a bare number', () => {
    expect(parseDuration('2', '--window', { bareUnit: 'h' })).toBe(7_200_000);
    expect(parseCheckTimeout('2', '--window', 'h')).toBe(7_200_000);
    expect(parseDuration('2m', '--window', { bareUnit: 'h' })).toBe(120_000);
  });

  it('refuses zero unless the flag means "everything" (--max-age 0s)', () => {
    usage(() => parseDuration('0s', '--timeout'), /--timeout "0s" is not a duration/);
    usage(() => parseWebhookDuration('0', '--interval'), /--interval "0" is not a duration/);
    expect(parseMaxAge('0s')).toBe(0);
  });

  it('names the flag and gives an example for a bad duration', () => {
    usage(() => parseDuration('soon', '--window'), /--window "soon" is not a duration/);
    usage(() => parseDuration('-5s', '--window'), /not a duration/);
    usage(() => parseDuration('5y', '--window'), /not a duration/);
  });

  it('formats durations in the largest whole unit', () => {
    expect(formatDuration(1_209_600_000)).toBe('2w');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
  });

  it('parses ports, with 0 only where a free port may be picked', () => {
    expect(parsePort('8789')).toBe(8789);
    expect(parseListenPort('0')).toBe(0);
    usage(() => parseCallbackPort('0'), /--port "0" is not a port number \(1-65535\)/);
    usage(() => parseListenPort('65536'), /--port "65536" is not a port number \(0-65535\)/);
    usage(() => parsePort('80a'), /not a port number/);
  });

  it('parses whole numbers with one message shape', () => {
    expect(parseWholeNumber('8', '--concurrency', { max: 256 })).toBe(8);
    usage(() => parseWholeNumber('0', '--limit'), /--limit "0" must be a positive whole number/);
    usage(() => parseWholeNumber('731', '--trial-days', { max: 730 }), /--trial-days "731" must be a whole number between 1 and 730/);
    usage(() => parseWholeNumber('1.5', '--quantity'), /must be a positive whole number/);
    expect(wholeNumberProblem('abc', 2, 100)).toBe('must be a whole number from 2 to 100');
    expect(wholeNumberProblem('4', 2, 100)).toBeUndefined();
  });

  it('parses rates, sizes and URLs', () => {
    expect(parseRate('600/m')).toBe(10);
    expect(parseRate('50')).toBe(50);
    usage(() => parseRate('0/s'), /--rate "0\/s" is not a rate/);
    expect(parseSize('1mb')).toBe(1024 * 1024);
    usage(() => parseSize('lots'), /--max-body "lots" is not a size/);
    expect(urlProblem('ftp://x', ['http:', 'https:'], 'http://a')).toBe('must be a http or https URL, for example http://a');
    expect(urlProblem('nope', ['http:'], 'http://a')).toBe('is not a URL (for example http://a)');
  });

  it('parses connect --timeout as a duration, bare numbers in seconds, up to 24h', () => {
    expect(parseTimeoutSeconds('300')).toBe(300);
    expect(parseTimeoutSeconds('5m')).toBe(300);
    expect(parseTimeoutSeconds('1500ms')).toBe(1.5);
    usage(() => parseTimeoutSeconds('0'), /--timeout "0" is not a duration/);
    usage(() => parseTimeoutSeconds('2d'), /--timeout "2d" must be at most 24h/);
    usage(() => parseTimeoutSeconds('soon'), /--timeout "soon" is not a duration/);
  });
});
