import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { API_PATH, API_PROTOCOL, CloseCode, type ServerEvent } from '../api';
import type { Logger } from '../core/logger';
import type { ApiBackend } from './backend';
import { ApiConnection } from './connection';
import { gateConnections } from './connection-gate';
import { buildOriginAllowlist, isLoopbackHost, isWildcardHost } from './gate';
import { securityHeaders } from './headers';
import { createHttpHandler, type PageHandler } from './http-handler';
import { PROTOCOL_LIMITS, type ConfiguredLimits, type ServerLimits } from './limits';
import type { HealthContributor, MetricsEndpoint, ServerObserver } from './metrics-endpoint';
import type { ServerAccess } from './peer';
import { checkUpgrade } from './upgrade-gate';

export interface ServerOptions {
  readonly host: string;
  /** 0 asks the kernel for a free port; listen() reports the one it got. */
  readonly port: number;
  /** Extra allowed origins (from --allow-origin); the daemon's own page is always allowed. */
  readonly allowOrigins?: readonly string[];
  /**
   * Who may connect (required: there is no default here, the daemon derives it from the config):
   * every TCP connection is checked before a byte of it is read, every upgrade again.
   */
  readonly access: ServerAccess;
  readonly backend: ApiBackend;
  readonly logger: Logger;
  readonly limits: ConfiguredLimits & Partial<ServerLimits>;
  readonly staticDir?: string;
  readonly pageHandler?: PageHandler;
  /** Serves GET /metrics (behind the same Host check); absent: 404. */
  readonly metrics?: MetricsEndpoint;
  /** More /healthz fields; `ok: false` answers 503. */
  readonly health?: HealthContributor;
  /** Counts refusals (request errors, refused upgrades) for metrics. */
  readonly observer?: ServerObserver;
}

export interface ListeningInfo {
  readonly host: string;
  readonly port: number;
  /** The page URL to print. */
  readonly url: string;
  readonly allowedOrigins: readonly string[];
}

export interface BridgeServer {
  listen(): Promise<ListeningInfo>;
  /** Sends 1001 to every client and stops; resolves within closeGraceMs plus a little. */
  close(): Promise<void>;
  readonly connectionCount: number;
}

function httpStatusLine(status: number): string {
  return status === 503 ? '503 Service Unavailable' : '403 Forbidden';
}

function refuse(socket: Duplex, status: number): void {
  socket.end(
    `HTTP/1.1 ${httpStatusLine(status)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
  socket.destroy();
}

/**
 * The daemon's HTTP + WebSocket server. The peer check runs on every accepted connection before
 * the HTTP server sees it (connection-gate.ts); the Host, Origin and capability gate runs in
 * `upgrade`, before any handshake.
 */
export function createServer(options: ServerOptions): BridgeServer {
  const host = options.host;
  const limits: ServerLimits = { ...PROTOCOL_LIMITS, ...options.limits };
  const logger = options.logger.child({ module: 'server' });
  const backend = options.backend;
  const extraHosts = isLoopbackHost(host) || isWildcardHost(host) ? [] : [host];
  const connections = new Set<ApiConnection>();
  /** Settles when every connection has closed (close() waits for this). */
  const goneWaiters: (() => void)[] = [];

  let port = options.port;
  let allowlist: ReadonlySet<string> = new Set();
  let headers: Record<string, string> = {};
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  // Validate --allow-origin now, so a typo fails at start rather than locking the page out later.
  buildOriginAllowlist(port, options.allowOrigins ?? [], host);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(API_PROTOCOL) ? API_PROTOCOL : false),
  });

  const http: HttpServer = createHttpServer(
    createHttpHandler({
      port: () => port,
      listenHost: host,
      headers: () => headers,
      backend,
      logger,
      staticDir: options.staticDir,
      pageHandler: options.pageHandler,
      metrics: options.metrics,
      health: options.health,
    }),
  );
  http.headersTimeout = 10_000;
  http.requestTimeout = 15_000;
  const gate = gateConnections(http, options.access, logger, options.observer);
  const listener = gate.listener;

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const decision = checkUpgrade(req, {
      port,
      listenHost: host,
      allowlist,
      connections: connections.size,
      maxConnections: limits.maxConnections,
      capabilityOk: (origin, offered) => options.access.admitUpgrade(origin, offered),
    });
    if (!decision.ok || closing) {
      logger.warn(
        {
          reason: decision.ok ? 'closing' : decision.reason,
          origin: String(req.headers.origin ?? '').slice(0, 200),
          host: String(req.headers.host ?? '').slice(0, 200),
        },
        'websocket upgrade refused',
      );
      options.observer?.upgradeRefused?.(decision.ok ? 'closing' : decision.reason);
      refuse(socket, decision.ok ? 503 : decision.status);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const ctx = { connectionId: randomUUID(), origin: decision.origin };
      const ready = Promise.resolve()
        .then(() => backend.hello())
        .then((info) => {
          conn.sendRaw(JSON.stringify({ type: 'hello', protocol: API_PROTOCOL, ...info }));
        })
        .catch((err: unknown) => {
          logger.error({ error: err instanceof Error ? err.message : String(err) }, 'hello failed');
        });
      const conn = new ApiConnection(ws, ctx, backend, limits, logger, ready, options.observer);
      connections.add(conn);
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        connections.delete(conn);
        backend.connectionClosed?.(ctx);
        if (connections.size === 0) for (const done of goneWaiters.splice(0)) done();
      });
    });
  });

  /** Serialised once per event, not once per client. */
  function fanOut(event: ServerEvent, connectionId?: string): void {
    const data = Buffer.from(JSON.stringify(event));
    for (const conn of connections)
      if (connectionId === undefined || conn.ctx.connectionId === connectionId) conn.sendRaw(data);
  }

  function beat(): void {
    for (const conn of connections) {
      if (!conn.alive) {
        logger.info({ connection: conn.ctx.connectionId }, 'peer missed a heartbeat; terminating');
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  return {
    get connectionCount() {
      return connections.size;
    },

    listen() {
      return new Promise<ListeningInfo>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => {
          listener.off('error', reject);
          port = (listener.address() as AddressInfo).port;
          // The HTTP server never listens itself; this starts its connection tracking, which
          // enforces headersTimeout and requestTimeout on the sockets the gate hands it.
          http.emit('listening');
          allowlist = buildOriginAllowlist(port, options.allowOrigins ?? [], host);
          headers = securityHeaders(port, extraHosts);
          heartbeat = setInterval(beat, limits.heartbeatMs);
          heartbeat.unref();
          unsubscribe = backend.subscribe(fanOut);
          const pageHost = isWildcardHost(host)
            ? '127.0.0.1'
            : host.includes(':')
              ? `[${host}]`
              : host;
          const url = `http://${pageHost}:${port}/`;
          if (!isLoopbackHost(host))
            logger.warn({ host }, 'listening beyond loopback: other machines can reach the page');
          logger.info({ url, ws: `ws://${pageHost}:${port}${API_PATH}` }, 'listening');
          resolve({ host, port, url, allowedOrigins: [...allowlist] });
        });
      });
    },

    close() {
      closing ??= (async () => {
        if (heartbeat) clearInterval(heartbeat);
        unsubscribe?.();
        const allGone = new Promise<void>((resolve) => {
          if (connections.size === 0) resolve();
          else goneWaiters.push(resolve);
        });
        for (const conn of connections) conn.ws.close(CloseCode.GOING_AWAY, 'daemon stopping');
        // Clients get a grace period to answer the close frame; then they are cut off.
        const force = setTimeout(() => {
          for (const conn of connections) conn.ws.terminate();
          http.closeAllConnections();
        }, limits.closeGraceMs);
        force.unref();
        const httpClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
        gate.dropPending();
        // Stops the HTTP server's connection tracking (it reports that it was not listening).
        http.close(() => undefined);
        http.closeIdleConnections();
        await Promise.all([allGone, httpClosed]);
        clearTimeout(force);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}
