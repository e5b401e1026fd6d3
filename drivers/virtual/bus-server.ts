import { chmod, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { removeStaleSocket, type Logger } from '../../src/core';
import {
  BUS_PROTOCOL_VERSION,
  busError,
  type DaemonMessage,
  decodeLine,
  EmulatorMessageSchema,
  encodeLine,
  LineSplitter,
} from './bus-protocol';
import type { VirtualDevice } from './device';
import { DEFAULT_REQUEST_TIMEOUT_MS, RemoteToken } from './remote-token';

export interface EmulatorBusOptions {
  readonly logger: Logger;
  /** Per feature report (default 3000 ms). */
  readonly requestTimeoutMs?: number;
  /** A peer that has not said hello by then is dropped (default 5000 ms). */
  readonly helloTimeoutMs?: number;
}

/** Where remote tokens go: the virtual driver's bus. */
export interface TokenBus {
  attach(device: VirtualDevice): void;
  detach(id: string): void;
  /** Told when a host starts or stops listening to the device's keyboard reports. */
  onListening(id: string, listener: (listening: boolean) => void): () => void;
}

const DIR_MODE = 0o700; // only the daemon's user reaches the socket directory
const SOCKET_MODE = 0o600; // ... and the socket
const DEFAULT_HELLO_TIMEOUT_MS = 5000;

/**
 * The daemon end of the emulator bus. Each peer announces one token; the token lives as long as the
 * peer's connection. A peer that misbehaves (bad JSON, wrong schema, over-long line, duplicate id) is
 * dropped and its token detached; the daemon carries on.
 */
export class EmulatorBusServer {
  private server: Server | undefined;
  private socketPath: string | undefined;
  private readonly peers = new Set<Socket>();

  constructor(
    private readonly bus: TokenBus,
    private readonly options: EmulatorBusOptions,
  ) {}

  get path(): string | undefined {
    return this.socketPath;
  }

  async listen(socketPath: string): Promise<void> {
    if (this.server) throw busError(`the emulator bus already listens on ${this.socketPath}`);
    await mkdir(dirname(socketPath), { recursive: true, mode: DIR_MODE });
    await removeStaleSocket(socketPath, busError);
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(busError(`cannot listen on ${socketPath}: ${err.message}`, err)),
      );
      server.listen(socketPath, () => resolve());
    });
    server.on('error', (err) =>
      this.options.logger.error({ err: err.message }, 'emulator bus error'),
    );
    await chmod(socketPath, SOCKET_MODE);
    this.server = server;
    this.socketPath = socketPath;
    this.options.logger.info({ socket: socketPath }, 'emulator bus listening');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const peer of this.peers) peer.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.socketPath) await unlink(this.socketPath).catch(() => undefined);
  }

  private serve(socket: Socket): void {
    const log = this.options.logger;
    const lines = new LineSplitter();
    let token: RemoteToken | undefined;
    let attached = false;
    let stopListening: (() => void) | undefined;
    this.peers.add(socket);
    socket.setEncoding('utf8');
    const send = (message: DaemonMessage) => {
      if (!socket.destroyed) socket.write(encodeLine(message));
    };
    const drop = (reason: string) => {
      log.warn({ token: token?.id, reason }, 'emulator dropped');
      if (!socket.destroyed) socket.end(encodeLine({ type: 'refused', message: reason }));
      socket.destroy();
    };
    const helloTimer = setTimeout(
      () => drop('no hello'),
      this.options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    );

    socket.on('data', (chunk: string) => {
      try {
        for (const line of lines.push(chunk)) {
          if (socket.destroyed) return;
          const message = decodeLine(EmulatorMessageSchema, line);
          if (token) {
            token.handle(message);
            continue;
          }
          if (message.type !== 'hello') throw busError('bus message before hello');
          clearTimeout(helloTimer);
          token = new RemoteToken(
            message.device,
            message.plugged,
            send,
            log.child({ token: message.device.id }),
            this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          );
          this.bus.attach(token);
          attached = true;
          send({ type: 'welcome', protocol: BUS_PROTOCOL_VERSION });
          const remote = token;
          stopListening = this.bus.onListening(remote.id, (on) => remote.setHostListening(on));
          log.info({ token: token.id }, 'emulator attached a token');
        }
      } catch (err) {
        drop(err instanceof Error ? err.message : String(err));
      }
    });
    socket.on('error', (err) => log.debug({ err: err.message }, 'emulator socket error'));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.peers.delete(socket);
      stopListening?.();
      if (token && attached) {
        token.disconnect();
        this.bus.detach(token.id);
        log.info({ token: token.id }, 'emulator detached its token');
      }
    });
  }
}
