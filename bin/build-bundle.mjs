#!/usr/bin/env node
// Build step (`npm run build:bundle`, after tsc and build:vendor), not part of the CLI. It lives in
// bin/ because the deployment image copies bin/ and src/ before it runs `npm run build`.
//
// Bundles tsc's output (dist/main.js and everything it reaches, stripe-node included) into one
// CommonJS file, dist/bundle/main.cjs, which bin/atom-stripe compiles with a V8 code cache. A
// command's start was mostly module loading: resolving, reading, compiling and linking ~60 of our
// files, commander's, chalk's and stripe-node's, on every run. One file with a code cache replaces
// all of that with one read and one deserialisation. Nothing runs earlier than before: esbuild keeps
// a lazily imported module lazy (its code is in the file, but it is evaluated only when the command
// imports it), so `--help` still evaluates no noun, no stripe and no store.
//
// What keeps the bundle the same program as dist/:
//  - `import.meta.url` in a module means that module's own file in dist/ (version.ts reads
//    ../package.json, the webhook store starts ./sqlite-writer.js as a worker, smoke finds bin/);
//  - `import(variable)` of a relative path held in a `const` (used where a module may not exist
//    yet) is bundled when the file exists, so no module is loaded twice (two copies of errors.js or
//    redact.js would break `instanceof` exit codes and secret masking);
//  - stripe is dist/vendor/stripe.cjs (the file load.ts loads), whoever imports it;
//  - native packages (better-sqlite3, keytar, pg) stay in node_modules and are require()d, and the
//    ES-module-only ones loaded on demand (ora, @inquirer/prompts) are import()ed through
//    `__atomImport`, a function bin/atom-stripe passes in (code compiled by node:vm cannot call
//    import() itself without an experimental flag).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');
const vendoredStripe = join(dist, 'vendor', 'stripe.cjs');

/** CommonJS packages with native code or optional installs: require()d from node_modules. */
const native = ['better-sqlite3', 'keytar', 'pg', 'pg-native'];
/** ES-module-only packages that a command imports on demand (prompts, spinners): import()ed from node_modules. */
const onDemand = ['ora', '@inquirer/prompts'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const onDemandImport = new RegExp(`\\bimport\\((['"])(${onDemand.map(escape).join('|')})\\1\\)`, 'g');

const sameProgram = {
  name: 'same-program',
  setup(context) {
    context.onResolve({ filter: /^stripe$/ }, () => ({ path: vendoredStripe }));
    // commander requires child_process at load for a feature atom-stripe does not use (executable
    // subcommands); load it when something first touches it instead of on every start.
    context.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'commander')}`) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    context.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require(${JSON.stringify(`node:${args.path}`)}))[key] });`,
      loader: 'js',
    }));
    context.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist) || args.path.startsWith(join(dist, 'vendor'))) return undefined;
      let contents = readFileSync(args.path, 'utf8');
      if (contents.includes('import.meta.url')) {
        const own = relative(outdir, args.path).split('\\').join('/');
        contents = contents.replaceAll('import.meta.url', `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(own)})).href`);
      }
      for (const match of contents.matchAll(/const (\w+) = (['"])(\.{1,2}\/[^'"]+\.c?js)\2;/g)) {
        const [, name, , target] = match;
        if (!existsSync(resolve(dirname(args.path), target))) continue;
        contents = contents.replaceAll(`import(${name})`, `import(${JSON.stringify(target)})`);
      }
      contents = contents.replace(onDemandImport, (_, quote, name) => `__atomImport(${JSON.stringify(name)})`);
      return { contents, loader: 'js' };
    });
  },
};

if (!existsSync(vendoredStripe)) throw new Error('dist/vendor/stripe.cjs is missing: run npm run build:vendor first');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: { main: join(dist, 'main.js') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: [...native, ...onDemand],
  // The native packages are CommonJS: a plain require(), which code compiled by node:vm can call.
  supported: { 'dynamic-import': false },
  plugins: [sameProgram],
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

// Nothing may call import() in the bundle (but the fallback below): it would throw under node:vm.
const output = readFileSync(join(outdir, 'main.cjs'), 'utf8');
const leftover = /\bimport\((?!\))/.exec(output);
if (leftover) throw new Error(`dist/bundle/main.cjs still calls import(): ${output.slice(leftover.index - 80, leftover.index + 80)}`);
// Under node:vm (Node 20) bin/atom-stripe passes __atomImport in; require()d (Node 22 and later, for
// module.enableCompileCache()) the bundle is a plain CommonJS module, which may call import() itself.
// A `var` of a parameter's name is that parameter, so the vm wrapper's function is kept.
const importer = 'var __atomImport=typeof __atomImport=="function"?__atomImport:(specifier)=>import(specifier);';
const strict = '"use strict";';
const program = output.startsWith(strict) ? `${strict}${importer}${output.slice(strict.length)}` : `${importer}${output}`;
// The content hash names the code cache (bin/atom-stripe): an npm install gives every file the same
// mtime, and V8 checks only the source's length, so a cache must never be matched by size and time.
const hash = createHash('sha256').update(program).digest('hex').slice(0, 24);
writeFileSync(join(outdir, 'main.cjs'), `/* atom-stripe bundle ${hash} */${program}`);
const inputs = Object.keys(result.metafile.inputs).length;
process.stderr.write(`bundle: ${inputs} modules into dist/bundle/main.cjs (${Math.round(output.length / 1024)} kB)\n`);
