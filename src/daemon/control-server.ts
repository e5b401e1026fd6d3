import { unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { ApiDevice, ServerEvent } from '../api';
import { asTokenBridgeError, ErrorCode, removeStaleSocket, type Logger } from '../core';
import type { DeviceManager } from '../devices';
import type { TokenOutcome } from '../tokens';
import {
  CONTROL_PROTOCOL_VERSION,
  controlDeviceOf,
  controlDriverOf,
  controlError,
  controlLines,
  ControlRequest,
  decodeControlLine,
  encodeControlLine,
  MAX_REQUEST_LINE,
  type ControlResult,
} from './control-protocol';
import { applySocketAccess, prepareSocketDir, type SocketAccess } from './socket-access';

export interface ControlServerOptions {
  readonly socketPath: string;
  /** The folder's and socket's owner, group and modes: the peer policy (socket-access.ts). */
  readonly access: SocketAccess;
  readonly logger: Logger;
  readonly version: string;
  /** The page URL, for the hello. */
  readonly url: string;
  readonly devices: DeviceManager;
  /** The devices as the page sees them (hello, devices.list). */
  readonly apiDevices: () => ApiDevice[] | Promise<ApiDevice[]>;
  /** Subscribes to the events every page receives (not those of one page's own pairing). */
  readonly events: (listener: (event: ServerEvent) => void) => () => void;
  readonly verify: (serial: string, otp: string) => Promise<TokenOutcome>;
}

/** A peer that stops reading is cut off before the daemon buffers more than this for it. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * The daemon end of the control channel (control-protocol.ts): answers `devices`, `watch` and
 * `tokens.verify` from the running daemon's own parts, and streams the page's events to watchers.
 * Its gate is the socket's folder (owner, group, mode from the peer policy). A malformed request
 * gets an error reply and never closes a healthy connection; an over-long line closes it.
 */
export class ControlServer {
  private server: Server | undefined;
  private readonly peers = new Set<Socket>();
  private readonly log: Logger;

  constructor(private readonly options: ControlServerOptions) {
    this.log = options.logger.child({ module: 'control' });
  }

  async listen(): Promise<void> {
    const { socketPath, access } = this.options;
    await prepareSocketDir(dirname(socketPath), access);
    await removeStaleSocket(socketPath, controlError);
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(controlError(`cannot listen on ${socketPath}: ${err.message}`, err)),
      );
      server.listen(socketPath, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'control socket error'));
    this.server = server;
    await applySocketAccess(socketPath, access);
    this.log.info({ socket: socketPath }, 'control socket listening');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const peer of this.peers) peer.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.options.socketPath).catch(() => undefined);
  }

  private serve(socket: Socket): void {
    const lines = controlLines(MAX_REQUEST_LINE);
    const stops: Array<() => void> = [];
    this.peers.add(socket);
    socket.setEncoding('utf8');
    const send = (message: object) => {
      if (socket.destroyed) return;
      if (socket.writableLength > MAX_BUFFERED_BYTES) {
        this.log.warn('control peer does not read; dropped');
        socket.destroy();
        return;
      }
      socket.write(encodeControlLine(message));
    };
    send({
      type: 'hello',
      protocol: CONTROL_PROTOCOL_VERSION,
      version: this.options.version,
      pid: process.pid,
      url: this.options.url,
    });
    socket.on('data', (chunk: string) => {
      let pending: string[];
      try {
        pending = lines.push(chunk);
      } catch (err) {
        send({ id: null, ok: false, error: { code: 'INVALID_MESSAGE', message: errorText(err) } });
        socket.end();
        return;
      }
      for (const line of pending) void this.answer(line, send, stops);
    });
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'control peer error'));
    socket.on('close', () => {
      this.peers.delete(socket);
      for (const stop of stops.splice(0)) stop();
    });
  }

  private async answer(
    line: string,
    send: (message: object) => void,
    stops: Array<() => void>,
  ): Promise<void> {
    let request: ControlRequest;
    try {
      request = decodeControlLine(ControlRequest, line);
    } catch (err) {
      send({
        id: idOf(line),
        ok: false,
        error: { code: 'INVALID_MESSAGE', message: errorText(err) },
      });
      return;
    }
    try {
      send({ id: request.id, ok: true, ...(await this.result(request, send, stops)) });
    } catch (err) {
      const error = asTokenBridgeError(err);
      this.log.warn({ type: request.type, code: error.code }, 'control request failed');
      const code = error.code === ErrorCode.INTERNAL ? 'INTERNAL' : error.code;
      send({ id: request.id, ok: false, error: { code, message: error.message } });
    }
  }

  private async result(
    request: ControlRequest,
    send: (message: object) => void,
    stops: Array<() => void>,
  ): Promise<ControlResult<ControlRequest['type']>> {
    switch (request.type) {
      case 'devices': {
        const { devices } = this.options;
        return {
          drivers: devices.driverStatus().map(controlDriverOf),
          devices: devices.devices().map(controlDeviceOf),
        };
      }
      case 'watch':
        // Subscribed before the reply is sent, so no event falls between the list and the stream.
        if (stops.length === 0) stops.push(this.options.events((event) => send(event)));
        return { devices: await this.options.apiDevices() };
      case 'tokens.verify':
        return { outcome: await this.options.verify(request.serial, request.otp) };
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The id of a request that did not validate, when it has a usable one, so the reply matches. */
function idOf(line: string): string | number | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'number' || (typeof id === 'string' && id.length <= 64) ? id : null;
  } catch {
    return null;
  }
}
