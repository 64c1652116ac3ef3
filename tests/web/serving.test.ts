// How the orchestrator serves the dashboard's files: no key, content types, revalidation, no
// way out of the web folder, problems for unknown files, and both folder layouts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EmbeddedBaton } from '@baton/cli/embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWebRoot, resolveWebPath, vendorFile } from '../../services/orchestrator/src/routes/dashboard.ts';
import { startBaton } from './browser.ts';

let baton: EmbeddedBaton;
beforeAll(async () => {
  baton = await startBaton();
});
afterAll(async () => {
  await baton?.stop();
});

/** A raw request (fetch would normalise `..` out of the path). */
async function get(path: string, headers: Record<string, string> = {}) {
  const { request } = await import('node:http');
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${baton.url}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard files', () => {
  it('serves the page and its assets without an API key, with their content types', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/ui/js/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/ui/js/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/ui/styles.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/ui/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
    expect((await get('/ui')).headers.location).toBe('/');
  });

  it('answers a revalidation with 304 while the file is unchanged', async () => {
    const first = await get('/ui/js/app.js');
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/ui/js/app.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it.each([
    '/ui/nope.js',
    '/ui/README.md',
    '/ui/js',
    '/ui/../package.json',
    '/ui/%2e%2e/%2e%2e/package.json',
    '/ui/js/..%2f..%2fpackage.json',
    '/ui/..%5c..%5cpackage.json',
    '/ui/.hidden.js',
    '/ui/js//app.js',
    '/ui/vendor/nope.js',
    '/ui/vendor/constructor',
    '/ui/vendor/../vendor.json/elk.js',
    '/ui/vendor/%2e%2e%2fpackage.json',
  ])('refuses %s with a 404 problem', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 404, type: 'https://baton.dev/problems/not-found' });
  });

  it('serves the browser libraries from npm (vendor.json) on this origin', async () => {
    const elk = await get('/ui/vendor/elk.js');
    expect(elk.status).toBe(200);
    expect(elk.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(elk.body).toBe(readFileSync(createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js'), 'utf8'));
  });

  it('keeps the API behind its key', async () => {
    expect((await get('/api/v1/runs')).status).toBe(401);
  });
});

describe('resolveWebPath', () => {
  const root = '/srv/web';
  it('maps plain relative paths inside the root', () => {
    expect(resolveWebPath(root, 'js/app.js')).toBe('/srv/web/js/app.js');
    expect(resolveWebPath(root, 'index.html')).toBe('/srv/web/index.html');
  });
  it.each(['', '..', '../x', 'js/../../x', 'js/./app.js', '.env', 'js/.secret', 'a\\b', 'a\0b', '/etc/passwd', 'js//app.js'])('refuses %j', (path) => {
    expect(resolveWebPath(root, path)).toBeUndefined();
  });
});

describe('findWebRoot', () => {
  it('finds web/ beside a bundled main.mjs (dist/orchestrator/web) before the source tree', () => {
    const dist = mkdtempSync(join(tmpdir(), 'baton-web-'));
    try {
      mkdirSync(join(dist, 'orchestrator/web'), { recursive: true });
      writeFileSync(join(dist, 'orchestrator/web/index.html'), '<!doctype html>');
      expect(findWebRoot(pathToFileURL(join(dist, 'orchestrator/main.mjs')).href)).toBe(join(dist, 'orchestrator/web'));
      expect(findWebRoot(pathToFileURL(join(dist, 'elsewhere/main.mjs')).href)).toBeUndefined();
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
  it('serves a vendored library from the web folder\'s copy (the bundle) before node_modules', () => {
    const web = mkdtempSync(join(tmpdir(), 'baton-web-'));
    try {
      writeFileSync(join(web, 'vendor.json'), JSON.stringify({ 'elk.js': 'elkjs/lib/elk.bundled.js', 'gone.js': 'no-such-package/x.js' }));
      expect(vendorFile(web, 'elk.js')).toBe(createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js'));
      expect(vendorFile(web, 'gone.js')).toBeUndefined();
      expect(vendorFile(web, 'toString')).toBeUndefined();
      mkdirSync(join(web, 'vendor'));
      writeFileSync(join(web, 'vendor/elk.js'), '/* copy */');
      expect(vendorFile(web, 'elk.js')).toBe(join(web, 'vendor/elk.js'));
    } finally {
      rmSync(web, { recursive: true, force: true });
    }
  });
  it('finds apps/web from the route module in the source tree', () => {
    expect(findWebRoot()).toBe(join(import.meta.dirname, '../../apps/web'));
  });
});
