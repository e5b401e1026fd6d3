import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from '../core/logger';
import type { ServerObserver } from './metrics-endpoint';
import type { ServerAccess } from './peer';

/**
 * The body of the refusal. It says which program refused, so `tokenbridge doctor` can tell a
 * daemon that does not admit its user from another program on the port; it says nothing else.
 */
export const PEER_REFUSED_BODY = 'tokenbridge: this user may not connect to this daemon\n';
/** A refused peer's unread bytes are drained this long, so the 403 is not lost to a reset. */
const REFUSED_LINGER_MS = 2000;

const REFUSAL = [
  'HTTP/1.1 403 Forbidden',
  'Content-Type: text/plain; charset=utf-8',
  `Content-Length: ${Buffer.byteLength(PEER_REFUSED_BODY)}`,
  'Connection: close',
  '',
  PEER_REFUSED_BODY,
].join('\r\n');

/**
 * The listening socket in front of the HTTP server. Each accepted connection stays paused (no byte
 * read, so none parsed) until the peer check admits it; only then does the HTTP server get it, as
 * an injected `connection` (node's documented way to hand a server a socket). A refused peer gets
 * a 403 and a log line with its uid, and nothing else happens: no page, no upgrade.
 */
export interface ConnectionGate {
  readonly listener: NetServer;
  /** Ends every connection the HTTP server does not hold yet (being checked, or refused). */
  dropPending(): void;
}

export function gateConnections(
  http: HttpServer,
  access: ServerAccess,
  logger: Logger,
  observer: ServerObserver | undefined,
): ConnectionGate {
  /** Connections not handed to the HTTP server: being checked, or refused and draining. */
  const pending = new Set<Socket>();
  const server = createNetServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    access.admitConnection(socket).then(
      (verdict) => {
        if (socket.destroyed) return;
        if (verdict.admit) {
          pending.delete(socket);
          http.emit('connection', socket);
          socket.resume();
          return;
        }
        logger.warn(
          { uid: verdict.uid, reason: verdict.reason, port: socket.remotePort },
          'connection refused: peer user not allowed',
        );
        observer?.connectionRefused?.(verdict.reason);
        refuse(socket);
      },
      (err: unknown) => {
        logger.error(
          { error: err instanceof Error ? err.message : String(err) },
          'peer check failed; connection refused',
        );
        observer?.connectionRefused?.('peer check failed');
        refuse(socket);
      },
    );
  });
  return {
    listener: server,
    dropPending() {
      for (const socket of pending) socket.destroy();
    },
  };
}

function refuse(socket: Socket): void {
  // Read and drop whatever the peer sent (never parsed), so closing does not reset the 403 away.
  socket.on('data', () => {});
  socket.resume();
  socket.end(REFUSAL);
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
