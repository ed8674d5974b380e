/**
 * bin/atom-stripe runs dist/bundle/main.cjs (bin/build-bundle.mjs) with a V8 code cache. These
 * prove what the bundle must keep from the unbundled program: nouns and stripe-node are still
 * evaluated only when a command needs them, and the code cache is private, reused, and optional.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { BIN, collect, isolatedEnv, ROOT, runCli, type Env } from '../helpers/cli.js';

const bundled = existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'));
/** Node 22 and later cache compiled code themselves (module.enableCompileCache); Node 20 runs the bundle through node:vm. */
const nodeCache = 'enableCompileCache' in nodeModule;

/** Runs the binary with a preload that writes the built-in modules the process loaded, at exit. */
async function builtinsLoadedBy(args: string[], env: Env): Promise<string[]> {
  const preload = join(env.HOME!, 'builtins.cjs');
  const out = join(env.HOME!, 'builtins.txt');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));`);
  const child = spawn(process.execPath, ['--require', preload, BIN, ...args], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    cwd: env.HOME,
  });
  const result = await collect(child);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n');
}

function cacheFiles(env: Env): string[] {
  const dir = join(env.HOME!, '.cache', 'atom-stripe');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.v8cache')) : [];
}

describe.skipIf(!bundled)('the bundled binary', () => {
  it('evaluates no stripe-node for help (it would load node:http), and does for a request', async () => {
    for (const args of [['customers', '--help'], ['config', 'list']]) {
      const loaded = await builtinsLoadedBy(args, isolatedEnv({ ATOM_STRIPE_NO_FAST_HELP: '1' }));
      expect(loaded.length, args.join(' ')).toBeGreaterThan(0);
      expect(loaded, args.join(' ')).not.toContain('NativeModule http');
      expect(loaded, args.join(' ')).not.toContain('NativeModule https');
    }
    const emulator = await startEmulator({ port: 0 });
    try {
      const loaded = await builtinsLoadedBy(['customers', 'list', '--json'], isolatedEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey }));
      expect(loaded).toContain('NativeModule https');
    } finally {
      await emulator.close();
    }
  });

  it.skipIf(nodeCache)('writes its code cache once, private (0700 folder, 0600 file), and runs the same from it', async () => {
    const env = isolatedEnv();
    const first = await runCli(['config', 'list', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const [file] = cacheFiles(env);
    expect(file).toMatch(/^main-.*\.v8cache$/);
    const dir = join(env.HOME!, '.cache', 'atom-stripe');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const written = statSync(join(dir, file)).mtimeMs;

    const second = await runCli(['config', 'list', '--json'], { env });
    expect(second).toEqual(first);
    expect(cacheFiles(env)).toEqual([file]);
    // Accepted, so not written again.
    expect(statSync(join(dir, file)).mtimeMs).toBe(written);
  });

  it.skipIf(nodeCache)('ignores a cache folder others can write to, and writes nothing with NODE_DISABLE_COMPILE_CACHE', async () => {
    const disabled = isolatedEnv({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect((await runCli(['config', 'list'], { env: disabled })).code).toBe(0);
    expect(cacheFiles(disabled)).toEqual([]);

    const shared = isolatedEnv();
    const dir = join(shared.HOME!, '.cache', 'atom-stripe');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect((await runCli(['config', 'list'], { env: shared })).code).toBe(0);
    expect(cacheFiles(shared)).toEqual([]);
  });

  it.skipIf(nodeCache)('runs the unbundled program with ATOM_STRIPE_NO_BUNDLE (no code cache there), with the same output', async () => {
    const plainEnv = isolatedEnv({ ATOM_STRIPE_NO_BUNDLE: '1' });
    const plain = await runCli(['config', 'list', '--show-origin'], { env: plainEnv });
    expect(plain.code, plain.stderr).toBe(0);
    expect(cacheFiles(plainEnv)).toEqual([]);
    const bundleEnv = { ...plainEnv, ATOM_STRIPE_NO_BUNDLE: undefined };
    const bundle = await runCli(['config', 'list', '--show-origin'], { env: bundleEnv });
    expect(bundle).toEqual(plain);
    expect(cacheFiles(bundleEnv)).toHaveLength(1);
  });

  it.skipIf(!nodeCache)("keeps Node's own compile cache in the private folder (0700), and none with NODE_DISABLE_COMPILE_CACHE or in a shared folder", async () => {
    const env = isolatedEnv();
    const first = await runCli(['config', 'list', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const dir = join(env.HOME!, '.cache', 'atom-stripe');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toHaveLength(1); // Node's folder for this Node version
    expect(await runCli(['config', 'list', '--json'], { env })).toEqual(first);

    const disabled = isolatedEnv({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect((await runCli(['config', 'list'], { env: disabled })).code).toBe(0);
    expect(existsSync(join(disabled.HOME!, '.cache', 'atom-stripe'))).toBe(false);

    const shared = isolatedEnv();
    const sharedDir = join(shared.HOME!, '.cache', 'atom-stripe');
    mkdirSync(sharedDir, { recursive: true });
    chmodSync(sharedDir, 0o777);
    expect((await runCli(['config', 'list'], { env: shared })).code).toBe(0);
    expect(readdirSync(sharedDir)).toEqual([]);
  });
});
