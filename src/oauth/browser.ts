/**
 * Opens a URL in the user's browser: `$BROWSER` if set (a command, split on spaces, the URL
 * appended; no shell), else the platform's opener (xdg-open, open, start). Returns false when none
 * could be started, so the caller prints the URL instead. Never waits for the browser to exit.
 */
import { spawn } from 'node:child_process';
import type { Env } from '../config/paths.js';

export function browserCommand(env: Env, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } | undefined {
  const custom = env.BROWSER?.trim();
  if (custom) {
    const [command, ...args] = custom.split(/\s+/);
    return { command, args };
  }
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  // A headless Linux host (SSH, a container) has no display: xdg-open would only print an error.
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return { command: 'xdg-open', args: [] };
}

export function openBrowser(url: string, env: Env): Promise<boolean> {
  const opener = browserCommand(env);
  if (!opener) return Promise.resolve(false);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(opener.command, [...opener.args, url], {
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
