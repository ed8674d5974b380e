import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLogger } from '../../src/log.js';
import { isolatedEnv } from '../helpers/cli.js';

describe('log', () => {
  it('writes redacted JSON lines with mode 0600', () => {
    const dir = join(isolatedEnv().HOME!, 'state');
    const file = join(dir, 'atom-stripe.log');
    const log = fileLogger({ file, now: () => new Date('2026-11-26T00:00:00Z'), command: 'test' });
    log.info('stripe.request', { authorization: 'Bearer sk_test_abcdefghijklmnop', path: '/v1/customers' });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ level: 'info', event: 'stripe.request', command: 'test', path: '/v1/customers' });
    expect(readFileSync(file, 'utf8')).not.toContain('abcdefghijklmnop');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotates by size and removes rotated files older than the retention', () => {
    const dir = join(isolatedEnv().HOME!, 'state');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'atom-stripe.log');
    const old = join(dir, 'atom-stripe.log.2026-09-01T00-00-00-000Z');
    writeFileSync(old, 'old\n');
    const longAgo = new Date('2026-09-01T00:00:00Z');
    utimesSync(old, longAgo, longAgo);
    writeFileSync(file, 'x'.repeat(2000));
    const log = fileLogger({ file, now: () => new Date('2026-11-26T00:00:00Z'), maxBytes: 1000 });
    log.info('after.rotation');
    const names = readdirSync(dir).sort();
    expect(names).toEqual(['atom-stripe.log', 'atom-stripe.log.2026-11-26T00-00-00-000Z']);
    expect(readFileSync(file, 'utf8')).toContain('after.rotation');
  });
});
