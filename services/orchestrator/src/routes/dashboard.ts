// The dashboard (apps/web): static files served without an API key — GET / is the page, GET
// /ui/* its scripts and styles. The page itself calls /api with the key its user pastes.
// Plain files, no build step: the folder is found beside the bundle (dist/orchestrator/web, copied
// by scripts/build.mjs) or in the source tree (apps/web). Browser libraries from npm (apps/web/
// vendor.json: file name → file in node_modules) are served as /ui/vendor/<file>: from the web
// folder's vendor/ (the bundle's copy) or else from node_modules — never from a CDN.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../app.ts';
import { notFound, sendProblem } from '../problems.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

// Scripts and styles of this origin only; WebSockets to the fanout (another port, so another origin).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HEADERS = {
  // File names carry no content hash: the browser revalidates each time (a 304 thanks to the ETag).
  'cache-control': 'no-cache',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The web folder of the bundled layout (next to main.mjs) or of the source tree. */
export function findWebRoot(moduleUrl: string = import.meta.url): string | undefined {
  const candidates = [new URL('./web/', moduleUrl), new URL('../../../../apps/web/', moduleUrl)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'index.html'))) return resolve(dir);
  }
  return undefined;
}

/** A request path under the web root, or undefined when it would leave it or is not a plain file name. */
export function resolveWebPath(root: string, relative: string): string | undefined {
  if (relative === '' || relative.includes('\0') || relative.includes('\\')) return undefined;
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return undefined;
  const full = resolve(root, ...segments);
  return full.startsWith(root + sep) ? full : undefined;
}

/** /ui/vendor/<file> → the file on disk: the web folder's copy, else the npm package's (vendor.json). */
export function vendorFile(root: string, file: string, moduleUrl: string = import.meta.url): string | undefined {
  const copy = resolveWebPath(root, `vendor/${file}`);
  if (copy && existsSync(copy)) return copy;
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'vendor.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const target = Object.hasOwn(manifest, file) ? manifest[file] : undefined;
  if (typeof target !== 'string') return undefined;
  try {
    return createRequire(moduleUrl).resolve(target);
  } catch {
    return undefined;
  }
}

interface CachedFile {
  body: Buffer;
  etag: string;
  mtimeMs: number;
}

export function registerDashboardRoutes(app: FastifyInstance, _ctx: ApiContext): void {
  const root = findWebRoot();
  const cache = new Map<string, CachedFile>();

  const serve = async (request: FastifyRequest, reply: FastifyReply, relative: string) => {
    const vendored = relative.startsWith('vendor/') && !relative.slice(7).includes('/');
    const path = root ? (vendored ? vendorFile(root, relative.slice(7)) : resolveWebPath(root, relative)) : undefined;
    const type = CONTENT_TYPES[extname(relative).toLowerCase()];
    const file = path && type ? await load(cache, path) : undefined;
    if (!file || !type) {
      const detail = root ? `no dashboard file ${relative}` : 'the dashboard files (apps/web) are not installed with this orchestrator';
      return sendProblem(reply, request, notFound(detail));
    }
    reply.headers(HEADERS).header('etag', file.etag).type(type);
    if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
    return reply.send(file.body);
  };

  app.get('/', (request, reply) => serve(request, reply, 'index.html'));
  app.get('/ui', (_request, reply) => reply.redirect('/', 301));
  app.get('/ui/*', (request, reply) => serve(request, reply, (request.params as { '*': string })['*']));
}

/** Files are read once and again only when they change on disk (editing apps/web needs no restart). */
async function load(cache: Map<string, CachedFile>, path: string): Promise<CachedFile | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const cached = cache.get(path);
  if (cached && cached.mtimeMs === info.mtimeMs) return cached;
  const body = await readFile(path);
  const file = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, mtimeMs: info.mtimeMs };
  cache.set(path, file);
  return file;
}
