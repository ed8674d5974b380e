// Preloaded with `node --import` in tests: records every ES module the process resolves into the
// file named by RECORD_IMPORTS_FILE, so a test can prove what `--help` does not load.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
