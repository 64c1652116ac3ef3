// Debian's chromium driven by playwright-core (never a downloaded browser), and Baton in-process
// on PGlite + the in-process bus, for the dashboard tests.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { chromium, type Browser } from 'playwright-core';

export const API_KEY = 'bt_dashboard_test_admin_key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots for people to look at (not compared): tmp/web-screenshots/ in the repository (ignored by git). */
export const SCREENSHOTS = join(import.meta.dirname, '../../tmp/web-screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export async function startBaton(): Promise<EmbeddedBaton> {
  return startEmbedded({
    env: { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: API_KEY, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    store: { kind: 'pglite' },
    bus: { kind: 'memory' },
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

export async function call<T = any>(baton: EmbeddedBaton, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baton.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function workflow(name: string, tasks: object[]): object {
  return { document: { dsl: '1.0.0', namespace: 'web', name, version: '1.0.0' }, do: tasks };
}
