/**
 * Opens a URL in the user's browser: `$BROWSER` if set (a command, split on spaces, the URL
 * appended; no shell), else the platform's opener (xdg-open, open, start). Returns false when none
 * could be started, so the caller prints the URL instead. Never waits for the browser to exit.
 */
import { spawn } from 'node:child_process';
import type { Env } from '../config/paths.js';

export interface BrowserCommand {
  command: string;
  args: string[];
  /** cmd.exe parses its own command line: the URL is quoted, or it stops at the first `&`. */
  quoteUrl?: boolean;
}

export function browserCommand(env: Env, platform: NodeJS.Platform = process.platform): BrowserCommand | undefined {
  const custom = env.BROWSER?.trim();
  if (custom) {
    const [command, ...args] = custom.split(/\s+/);
    return { command, args };
  }
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'], quoteUrl: true };
  // A headless Linux host (SSH, a container) has no display: xdg-open would only print an error.
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return { command: 'xdg-open', args: [] };
}

/** The arguments that open `url` (a URL from new URL() or URLSearchParams holds no raw `"`). */
export function launchArgs(opener: BrowserCommand, url: string): string[] {
  return [...opener.args, opener.quoteUrl ? `"${url}"` : url];
}

export function openBrowser(url: string, env: Env): Promise<boolean> {
  const opener = browserCommand(env);
  if (!opener) return Promise.resolve(false);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(opener.command, launchArgs(opener, url), {
        stdio: 'ignore',
        detached: true,
        env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
        windowsVerbatimArguments: process.platform === 'win32',
      });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
