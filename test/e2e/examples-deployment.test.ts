/**
 * The deployment examples can't be run here (no Docker engine, no cluster, no CI), so this proves
 * what can be proven: every file they copy exists, every atom-stripe command and flag they run is
 * real (per its --help), .env.example names every setting, and the package installs from its
 * tarball into a clean folder and runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { BIN, ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const helpCache = new Map<string, Promise<string>>();
function helpOf(path: string[]): Promise<string> {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    helpCache.set(
      key,
      run(process.execPath, [BIN, ...path, '--help'], { env: { ...process.env, ATOM_STRIPE_NO_FAST_HELP: '1' } }).then((r) => r.stdout),
    );
  }
  return helpCache.get(key)!;
}

/** Checks an atom-stripe argv against the real command tree: the command exists, and so does every --flag. */
async function expectRealCommand(argv: string[], where: string): Promise<void> {
  const path: string[] = [];
  for (const token of argv) {
    if (token.startsWith('-')) break;
    const help = await helpOf(path);
    // A token is a subcommand only if the parent's help lists it under Commands.
    if (!new RegExp(`^  ${token}\\b`, 'm').test(help.split(/^Commands:$/m)[1] ?? '')) break;
    path.push(token);
  }
  expect(path.length, `${where}: "atom-stripe ${argv.join(' ')}" names no command`).toBeGreaterThan(0);
  const help = await helpOf(path);
  for (const flag of argv.filter((t) => t.startsWith('--'))) {
    const name = flag.split('=')[0];
    expect(help, `${where}: atom-stripe ${path.join(' ')} has no ${name}`).toMatch(new RegExp(`(^|[ ,])${name}\\b`, 'm'));
  }
}

/** `["a", "b"]` flow arrays, as the manifests write them. */
function flowArrays(text: string, key: string): string[][] {
  return [...text.matchAll(new RegExp(`${key}: \\[([^\\]]*)\\]`, 'g'))].map((m) => JSON.parse(`[${m[1]}]`) as string[]);
}

describe('examples/docker/Dockerfile', () => {
  const dockerfile = read('examples/docker/Dockerfile');
  const instructions = dockerfile.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));

  it('is multi-stage, installs production dependencies with npm ci --omit=dev, and runs as a non-root user', () => {
    expect(instructions.filter((line) => /^FROM .+ AS \w+$/.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toMatch(/^USER (?!root\b|0\b)\w+/);
    const lastFrom = instructions.map((line, index) => (line.startsWith('FROM ') ? index : -1)).filter((i) => i >= 0).at(-1)!;
    expect(instructions.findIndex((line) => line.startsWith('USER '))).toBeGreaterThan(lastFrom);
  });

  it('copies only files that exist in the repository', () => {
    const copies = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const parts = line.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
    }
    // The build stage runs the package's build script.
    expect(JSON.parse(read('package.json')).scripts.build).toBeDefined();
  });

  it('its HEALTHCHECK runs atom-stripe health, and its ENTRYPOINT + CMD are a real command', async () => {
    const exec = (name: string) => JSON.parse(instructions.find((line) => line.startsWith(`${name} `) || line.includes(` ${name} [`))!.replace(/^.*?(CMD|ENTRYPOINT) /, '')) as string[];
    const healthcheck = instructions.find((line) => line.startsWith('HEALTHCHECK '))!;
    const probe = JSON.parse(healthcheck.replace(/^.* CMD /, '')) as string[];
    expect(probe.slice(0, 2)).toEqual(['atom-stripe', 'health']);
    await expectRealCommand(probe.slice(1), 'HEALTHCHECK');
    expect(exec('ENTRYPOINT')).toEqual(['atom-stripe']);
    const cmd = JSON.parse(instructions.find((line) => line.startsWith('CMD '))!.slice(4)) as string[];
    await expectRealCommand(cmd, 'CMD');
    // The binary it links is the package's bin.
    expect(dockerfile).toContain('/app/bin/atom-stripe');
    expect(JSON.parse(read('package.json')).bin['atom-stripe']).toBe('bin/atom-stripe');
  });
});

describe('examples/kubernetes', () => {
  it('runs real commands with secrets from the Secret the examples define', async () => {
    const manifest = read('examples/kubernetes/webhook-listen.yaml');
    const secret = read('examples/kubernetes/secret.example.yaml');
    const argvs = flowArrays(manifest, 'args');
    expect(argvs.map((a) => a.slice(0, 2).join(' '))).toEqual(['db migrate', 'webhook listen']);
    for (const argv of argvs) await expectRealCommand(argv, 'webhook-listen.yaml args');
    for (const command of flowArrays(manifest, 'command')) {
      expect(command[0]).toBe('atom-stripe');
      await expectRealCommand(command.slice(1), 'webhook-listen.yaml probe');
    }
    expect(manifest).toMatch(/secretRef: \{ name: atom-stripe \}/);
    expect(secret).toMatch(/^  name: atom-stripe$/m);
    const secretKeys = [...secret.matchAll(/^  ([A-Z_]+): /gm)].map((m) => m[1]);
    const settingEnvs = new Set(SETTINGS.flatMap((s) => s.env));
    for (const key of secretKeys) expect(settingEnvs.has(key), `${key} is not a setting`).toBe(true);
    expect(secretKeys).toEqual(expect.arrayContaining(['STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRET', 'DATABASE_URL', 'ATOM_STRIPE_ENCRYPTION_KEY']));
    // Nothing secret in the ConfigMap.
    const configMap = manifest.split('kind: ConfigMap')[1].split('---')[0];
    for (const spec of SETTINGS.filter((s) => s.secret)) expect(configMap).not.toContain(spec.env[0]);
  });
});

describe('examples/.env.example', () => {
  it('names every setting\'s environment variable', () => {
    const names = new Set([...read('examples/.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    for (const spec of SETTINGS) for (const env of spec.env) expect(names.has(env), `${env} (${spec.key})`).toBe(true);
  });
});

describe('examples/ci', () => {
  for (const [file, publishes] of [
    ['examples/ci/github-actions.yml', /report_paths: smoke\.xml/],
    ['examples/ci/gitlab-ci.yml', /reports:\s*\n\s*junit: smoke\.xml/],
  ] as const) {
    it(`${file} runs npx atom-stripe smoke --junit smoke.xml and publishes the report`, async () => {
      const text = read(file);
      expect(text).toMatch(publishes);
      const commands = [...text.replace(/\n\s+(?=--)/g, ' ').matchAll(/npx atom-stripe (smoke[^\n]*)/g)].map((m) => m[1]);
      expect(commands.length).toBe(1);
      expect(commands[0]).toMatch(/^smoke --junit smoke\.xml\b/);
      const argv = commands[0].split(/\s+/).filter((t) => !t.startsWith('"'));
      await expectRealCommand(argv, file);
    });
  }
});

describe('npm pack', () => {
  it('installs from its tarball into a clean folder and runs', { timeout: 240_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'atom-stripe-pack-'));
    // --ignore-scripts: dist/ is already built (global setup); `prepare` would rebuild the shared tree.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const [{ filename, files }] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['bin/atom-stripe', 'dist/main.js', 'dist/commands/health/health.js', 'package.json']));
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);

    const app = join(folder, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'atom-stripe-pack-test', private: true }));
    // Native builds (better-sqlite3, keytar) need the internet for headers; --version and --help need neither.
    await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=optional', join(folder, filename)], { cwd: app, timeout: 200_000, maxBuffer: 16 * 1024 * 1024 });
    const bin = join(app, 'node_modules', '.bin', 'atom-stripe');
    const version = await run(bin, ['--version'], { cwd: app });
    expect(version.stdout.trim()).toBe(JSON.parse(read('package.json')).version);
    const help = await run(bin, ['smoke', '--help'], { cwd: app });
    expect(help.stdout).toMatch(/--junit <file>/);
  });
});
