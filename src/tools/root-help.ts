/**
 * Writes dist/root-help.txt, the root `--help` the shim prints without loading commander.
 * Generated from the real program at commander's piped width, so it cannot drift; a test compares.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRootHelp } from '../cli.js';

writeFileSync(fileURLToPath(new URL('../root-help.txt', import.meta.url)), await renderRootHelp());
