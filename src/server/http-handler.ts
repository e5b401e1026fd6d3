import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { API_PATH } from '../api';
import type { Logger } from '../core/logger';
import type { ApiBackend } from './backend';
import { isAllowedHost } from './gate';
import { applyHeaders } from './headers';
import {
  METRICS_PATH,
  serveMetrics,
  type HealthContributor,
  type MetricsEndpoint,
} from './metrics-endpoint';

/** Serves the page instead of a static directory (the daemon may inject the built page). */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpOptions {
  readonly port: () => number;
  readonly listenHost: string;
  readonly headers: () => Record<string, string>;
  readonly backend: ApiBackend;
  readonly logger: Logger;
  readonly staticDir?: string;
  readonly pageHandler?: PageHandler;
  readonly metrics?: MetricsEndpoint;
  readonly health?: HealthContributor;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(`${text}\n`);
}

/** The file under `root` for a URL path, or undefined for anything that escapes it. */
export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const full = normalize(join(root, relative));
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  return full.startsWith(base) ? full : undefined;
}

async function serveStatic(
  root: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const file = resolveStatic(root, pathname);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (file === undefined || info === undefined || !info.isFile()) {
    plain(res, 404, 'not found');
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', info.size);
  res.setHeader('Cache-Control', 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Every plain HTTP request: Host check (DNS rebinding), GET/HEAD only, health, page. */
export function createHttpHandler(options: HttpOptions) {
  const log = options.logger;
  return (req: IncomingMessage, res: ServerResponse): void => {
    applyHeaders(res, options.headers());
    if (!isAllowedHost(req.headers.host, options.port(), options.listenHost)) {
      log.warn(
        { host: String(req.headers.host ?? '').slice(0, 200) },
        'http request refused: host',
      );
      plain(res, 403, 'forbidden');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'method not allowed');
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === METRICS_PATH && options.metrics) {
      serveMetrics(options.metrics, req, res, (err) =>
        log.error({ error: err instanceof Error ? err.message : String(err) }, 'metrics failed'),
      );
      return;
    }
    if (pathname === '/healthz') {
      void Promise.resolve()
        .then(() => Promise.all([options.backend.health(), options.health?.()]))
        .then(
          ([extra, contributed]) => {
            // A store that cannot be read or written is down, whoever noticed it.
            const ok = (contributed?.ok ?? true) && extra.store !== 'error';
            res.statusCode = ok ? 200 : 503;
            res.setHeader('Content-Type', 'application/json');
            res.setHeader('Cache-Control', 'no-store');
            res.end(JSON.stringify({ ...extra, ...contributed, ok }));
          },
          () => {
            res.statusCode = 503;
            res.setHeader('Content-Type', 'application/json');
            res.setHeader('Cache-Control', 'no-store');
            res.end(JSON.stringify({ ok: false }));
          },
        );
      return;
    }
    if (pathname === API_PATH) {
      res.setHeader('Upgrade', 'websocket');
      plain(res, 426, 'WebSocket upgrade required');
      return;
    }
    if (options.pageHandler) {
      options.pageHandler(req, res);
      return;
    }
    if (options.staticDir !== undefined) {
      serveStatic(options.staticDir, pathname, req, res).catch(() => {
        if (!res.headersSent) plain(res, 500, 'internal error');
        else res.destroy();
      });
      return;
    }
    plain(res, 404, 'not found');
  };
}
