import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';

export interface ProfileFile {
  default_profile?: string;
  profiles: Record<string, Record<string, string>>;
}

export function readProfileFile(file: string): ProfileFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ProfileFile>;
    return { default_profile: parsed.default_profile, profiles: parsed.profiles ?? {} };
  } catch {
    throw new UsageError(`config file ${file} is not valid JSON`, { hint: 'fix or remove it' });
  }
}

/** Atomic write with mode 0600 in a 0700 directory: the file holds keys. */
export function writePrivateFile(file: string, contents: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export function writeProfileFile(file: string, data: ProfileFile): void {
  writePrivateFile(file, `${JSON.stringify(data, null, 2)}\n`);
}
