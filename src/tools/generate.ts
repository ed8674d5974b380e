/**
 * `npm run gen`: regenerates completions/ and the README command reference from the command tree.
 * test/unit/generated.test.ts fails when either drifts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fullTree } from '../commands/completion/print.js';
import { referenceMarkdown, replaceReference } from '../completion/reference.js';
import { SHELLS } from '../completion/scripts.js';
import { settingsMarkdown, SETTINGS_END, SETTINGS_START } from '../completion/settings-table.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tree = await fullTree({ env: {}, cwd: root, now: () => new Date(), signal: new AbortController().signal });
const files: Record<string, string> = {
  'completions/atom-stripe.bash': SHELLS.bash(tree),
  'completions/_atom-stripe': SHELLS.zsh(tree),
  'completions/atom-stripe.fish': SHELLS.fish(tree),
};
for (const [path, text] of Object.entries(files)) writeFileSync(`${root}${path}`, text);
const readmePath = `${root}README.md`;
let readme = replaceReference(readFileSync(readmePath, 'utf8'), referenceMarkdown(tree));
readme = readme.slice(0, readme.indexOf(SETTINGS_START)) + settingsMarkdown() + readme.slice(readme.indexOf(SETTINGS_END) + SETTINGS_END.length);
writeFileSync(readmePath, readme);
console.error(`wrote ${Object.keys(files).join(', ')} and the README reference`);
