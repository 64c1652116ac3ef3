// Debian's chromium driven by playwright-core (never a downloaded browser), and Baton in-process
// on PGlite + the in-process bus, for the dashboard tests.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import { chromium, type Browser, type Page } from 'playwright-core';

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

/** What went wrong on a page: uncaught errors, console errors (CSP violations among them), requests to other origins. */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

/**
 * A page signed in as a person does it: the key dialog, then the page at `hash`. The event
 * stream points at a closed port, so run pages poll (one less moving part in these tests).
 */
export async function openSignedIn(browser: Browser, baton: EmbeddedBaton, hash = '#/runs', width = 1280): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('WebSocket connection to')) errors.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
  // Every page works without a network: nothing is fetched from another origin (no CDN).
  page.on('request', (request) => {
    if (!request.url().startsWith(`${baton.url}/`) && !request.url().startsWith('data:')) errors.push(`request to another origin: ${request.url()}`);
  });
  await page.goto(`${baton.url}/${hash}`);
  const dialog = page.getByRole('dialog', { name: 'API key' });
  await dialog.getByLabel('Key', { exact: true }).fill(API_KEY);
  await dialog.getByText('Advanced').click();
  await dialog.getByLabel('Event stream URL').fill('ws://127.0.0.1:9/v1/stream');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });
  return { page, errors };
}

/** The page as it stands, at desktop width and at phone width (artefacts for people, not compared). */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: screenshotPath(`${name}-desktop`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: screenshotPath(`${name}-phone`), fullPage: true });
  await page.setViewportSize(viewport);
}
