/**
 * completions/ and the README's command reference are generated from the command tree
 * (`npm run gen`); these tests fail when either drifts from --help, and when any command's help
 * lacks a summary, examples or exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fullTree } from '../../src/commands/completion/print.js';
import { referenceMarkdown, REFERENCE_END, REFERENCE_START } from '../../src/completion/reference.js';
import { SHELLS } from '../../src/completion/scripts.js';
import { settingsMarkdown } from '../../src/completion/settings-table.js';
import { walk, type CommandNode } from '../../src/completion/tree.js';
import { EXIT_CODE_TABLE } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';

let tree: CommandNode;
beforeAll(async () => {
  tree = await fullTree({ env: {}, cwd: ROOT, now: () => new Date(), signal: new AbortController().signal });
}, 60_000);

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const regenerate = 'run `npm run gen` and commit the result';

describe('generated files', () => {
  it('completions match the command tree', () => {
    expect(read('completions/atom-stripe.bash'), regenerate).toBe(SHELLS.bash(tree));
    expect(read('completions/_atom-stripe'), regenerate).toBe(SHELLS.zsh(tree));
    expect(read('completions/atom-stripe.fish'), regenerate).toBe(SHELLS.fish(tree));
  });

  it('the README command reference matches --help', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf(REFERENCE_START), readme.indexOf(REFERENCE_END) + REFERENCE_END.length);
    expect(section, regenerate).toBe(referenceMarkdown(tree));
    expect(readme, regenerate).toContain(settingsMarkdown());
  });

  it('the README exit-code table matches the one in --help', () => {
    const readme = read('README.md');
    for (const [code, meaning] of EXIT_CODE_TABLE) expect(readme).toContain(`| ${code} | ${meaning} |`);
  });

  it('every command has a summary, examples and exit codes', () => {
    for (const node of walk(tree)) {
      if (node.path.length === 0) continue;
      const name = node.path.join(' ');
      expect(node.summary, name).not.toBe('');
      expect(node.examples.length, `${name} has no examples`).toBeGreaterThan(0);
      for (const example of node.examples) expect(example.startsWith(`atom-stripe ${node.path[0]}`), example).toBe(true);
    }
  });

  it('the bash script completes nouns, verbs and flags', async () => {
    const { execFileSync } = await import('node:child_process');
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `source completions/atom-stripe.bash; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _atom_stripe; echo "\${COMPREPLY[*]}"`], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim();
    expect(complete("atom-stripe con ''").split(' ')).toEqual(expect.arrayContaining(['config']));
    expect(complete("atom-stripe con")).toBe('connect config');
    expect(complete('atom-stripe config u')).toBe('unset');
    expect(complete('atom-stripe config list --sh')).toBe('--show-origin');
    // After an option that takes a value: its choices, not commands.
    expect(complete("atom-stripe customers list --format ''")).toBe('table tsv json jsonl csv prometheus');
    expect(complete('atom-stripe token list --store p')).toBe('postgres');
  });
});
