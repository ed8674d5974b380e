/** The README's configuration table, generated from src/config/settings.ts. */
import { SETTINGS } from '../config/settings.js';

export const SETTINGS_START = '<!-- settings:start -->';
export const SETTINGS_END = '<!-- settings:end -->';

export function settingsMarkdown(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.key}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.flag ? `\`${s.flag}\`` : ''} | ${s.default ? `\`${s.default}\`` : ''} | ${s.secret ? 'yes' : ''} | ${s.description} |`,
  );
  return [SETTINGS_START, '| setting | environment | flag | default | secret | meaning |', '|---|---|---|---|---|---|', ...rows, SETTINGS_END].join('\n');
}
