#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs and prints each figure as a ratio against a
// baseline measured in the same run, so figures compare across machines. Results also go to
// bench/results/latest.json and, with --readme, into README.md between the bench markers.
import { readdirSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const writeReadme = process.argv.includes('--readme');
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
  .sort();

const results = [];
for (const file of files) {
  const { default: run } = await import(pathToFileURL(`${root}bench/${file}`).href);
  process.stderr.write(`running ${file} ...\n`);
  for (const figure of await run({ root, log: (line) => process.stderr.write(`  ${line}\n`) })) {
    results.push({ bench: file.replace('.bench.mjs', ''), ...figure });
  }
}

const rows = results.map((r) => [
  r.name,
  `${r.value.toFixed(r.unit === 'ms' ? 1 : 0)} ${r.unit}`,
  `${r.baseline.toFixed(r.unit === 'ms' ? 1 : 0)} ${r.unit} (${r.baselineName})`,
  `${r.ratio.toFixed(2)}x`,
  r.goal,
  r.pass ? 'pass' : 'MISS',
]);
const header = ['figure', 'atom-stripe', 'baseline', 'ratio', 'goal', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));

mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
if (writeReadme) {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const table = [
    `Measured with \`npm run bench -- --readme\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores. Each figure is a ratio against a baseline measured in the same run.`,
    '',
    `| ${[...header.slice(0, 5), 'met'].join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.slice(0, 5).join(' | ')} | ${row[5] === 'pass' ? 'yes' : '**no**'} |`),
  ].join('\n');
  writeFileSync(`${root}README.md`, readme.slice(0, readme.indexOf(start) + start.length) + `\n${table}\n` + readme.slice(readme.indexOf(end)));
}
process.exitCode = 0;
