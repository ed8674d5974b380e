import { readFileSync } from 'node:fs';

/** Read from package.json once, so --version needs no build-time step. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
