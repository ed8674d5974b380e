// Cold start: `atom-stripe --version` and `--help` against `node -e 0`, medians of interleaved runs.
import { join } from 'node:path';
import { benchEnv, interleavedMedians } from './lib.mjs';

export default async function run({ root, log }) {
  const bin = join(root, 'bin', 'atom-stripe');
  const env = benchEnv();
  const runs = 15;
  const [baseline, version, help] = interleavedMedians(
    [
      [process.execPath, ['-e', '0']],
      [process.execPath, [bin, '--version']],
      [process.execPath, [bin, '--help']],
    ],
    runs,
    { env },
  );
  log(`node -e 0 ${baseline.toFixed(1)} ms, --version ${version.toFixed(1)} ms, --help ${help.toFixed(1)} ms (median of ${runs})`);
  return [
    { name: 'cold start: --version', value: version, baseline, baselineName: 'node -e 0', unit: 'ms', ratio: version / baseline, goal: '<= 1.5x', pass: version / baseline <= 1.5 },
    { name: 'cold start: --help', value: help, baseline, baselineName: 'node -e 0', unit: 'ms', ratio: help / baseline, goal: '<= 1.5x', pass: help / baseline <= 1.5 },
  ];
}
