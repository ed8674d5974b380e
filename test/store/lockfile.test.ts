import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { acquireLockFile } from '../../src/store/lockfile.js';
import { TemporaryError } from '../../src/errors.js';

describe('lock files (keychain store)', () => {
  it('excludes a second holder, and is released', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'atom-stripe-lock-')), 'a', 'acme.lease');
    const release = await acquireLockFile(path, { what: 'token acme' });
    expect(release).toBeDefined();
    expect(await acquireLockFile(path, { what: 'token acme', skipIfLocked: true })).toBeUndefined();
    await expect(acquireLockFile(path, { what: 'token acme', waitMs: 30 })).rejects.toBeInstanceOf(TemporaryError);
    release!();
    expect(existsSync(path)).toBe(false);
    const again = await acquireLockFile(path, { what: 'token acme', skipIfLocked: true });
    expect(again).toBeDefined();
    again!();
  });

  it('takes over a lock whose process is gone (SIGKILLed holder)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'atom-stripe-lock-')), 'acme.lease');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path, JSON.stringify({ pid: Number(gone.stdout), host: hostname(), at: new Date().toISOString(), token: 'dead' }));
    const release = await acquireLockFile(path, { what: 'token acme', skipIfLocked: true });
    expect(release).toBeDefined();
    release!();
  });
});
