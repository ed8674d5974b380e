/**
 * Once per `vitest run`:
 * - e2e tests run the built binary. `npm test` builds first; when vitest is run directly, build
 *   here if dist/ is missing so a first run does not fail confusingly.
 * - Every temporary folder the suite makes (os.tmpdir() in tests, and in the binaries they spawn,
 *   which get TMPDIR from isolatedEnv) lands in one run folder, removed when the run ends, pass
 *   or fail: nothing is left in /tmp.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (!existsSync(`${root}dist/main.js`)) {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.json`], { stdio: 'inherit' });
  }
  const run = mkdtempSync(join(tmpdir(), 'atom-stripe-run-'));
  const previous = process.env.TMPDIR;
  // The test workers are forked after this, and inherit it.
  process.env.TMPDIR = run;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(run, { recursive: true, force: true });
  };
}
