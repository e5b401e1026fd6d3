import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/** What GET /metrics renders; the daemon passes its metrics registry (never prom-client's global). */
export interface MetricsEndpoint {
  /** The exposition format's Content-Type, as the registry states it. */
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * Told about what the server refuses, for counters. Calls are synchronous and must not throw; the
 * server never waits on them.
 */
export interface ServerObserver {
  /** A request (or frame) answered with `{ ok: false, error: { code } }`. */
  requestError?(code: string): void;
  /** A WebSocket upgrade refused before the handshake (host, origin, path, protocol, capacity). */
  upgradeRefused?(reason: string): void;
  /** A TCP connection refused by the peer check, before any byte was read (reason as logged). */
  connectionRefused?(reason: string): void;
}

/**
 * Extra /healthz fields from the daemon (driver availability, store writable). `ok: false` turns
 * the answer into a 503 so that a supervisor or load balancer notices.
 */
export interface HealthContribution {
  readonly ok: boolean;
  readonly [field: string]: unknown;
}
export type HealthContributor = () => Promise<HealthContribution>;

/** Answers GET/HEAD /metrics; a render that fails is a 500 without details (they are logged). */
export function serveMetrics(
  endpoint: MetricsEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (err: unknown) => void,
): void {
  endpoint.render().then(
    (text) => {
      res.statusCode = 200;
      res.setHeader('Content-Type', endpoint.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    (err: unknown) => {
      onError(err);
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end('metrics unavailable\n');
    },
  );
}
