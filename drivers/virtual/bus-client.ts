import { createConnection, type Socket } from 'node:net';
import { asTokenBridgeError, fromHex, toHex, type TokenBridgeError } from '../../src/core';
import {
  BUS_PROTOCOL_VERSION,
  busError,
  type DaemonMessage,
  DaemonMessageSchema,
  decodeLine,
  type EmulatorMessage,
  encodeLine,
  LineSplitter,
} from './bus-protocol';
import { Listeners } from './device';
import type { VirtualToken } from './virtual-token';

const DEFAULT_WELCOME_TIMEOUT_MS = 5000;
/** How long a sync waits for the daemon's answer (it answers in order, after the reports). */
const SYNC_TIMEOUT_MS = 5000;

/**
 * The emulator end of the bus: serves one in-process VirtualToken to a daemon. Feature-report
 * requests run on the token; its input reports and plug events go to the daemon. The daemon says
 * when it listens to the token's keystrokes (`listening`, `whenListening`), and `sync` asks whether
 * what was typed since the last sync was heard.
 */
export class EmulatorClient {
  private isClosed = false;
  private hostListening = false;
  /** Plug messages sent; a `listening` from before the latest one is stale. */
  private plugsSent = 0;
  private nextSync = 1;
  private readonly closeListeners = new Listeners<TokenBridgeError | undefined>();
  private readonly listeningListeners = new Listeners<boolean>();
  private readonly syncs = new Map<number, (heard: boolean) => void>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly socket: Socket,
    private readonly token: VirtualToken,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** The daemon has the token open and hears its keystrokes. */
  get listening(): boolean {
    return this.hostListening;
  }

  /** Called each time the daemon starts or stops listening; returns unsubscribe. */
  onListening(listener: (listening: boolean) => void): () => void {
    return this.listeningListeners.add(listener);
  }

  /**
   * Resolves once the daemon listens to the token's keystrokes (at once if it does now); rejects
   * with EMULATOR_BUS when the connection ends or `timeoutMs` passes first.
   */
  whenListening(timeoutMs: number): Promise<void> {
    if (this.hostListening) return Promise.resolve();
    if (this.isClosed) return Promise.reject(busError('the emulator bus is closed'));
    return new Promise((resolve, reject) => {
      const done = (err?: TokenBridgeError) => {
        clearTimeout(timer);
        offListening();
        offClose();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => done(busError(`the daemon did not open ${this.token.id} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const offListening = this.listeningListeners.add((on) => on && done());
      const offClose = this.closeListeners.add((reason) =>
        done(reason ?? busError('the emulator bus is closed')),
      );
    });
  }

  /**
   * Asks the daemon whether every input report sent since the previous sync reached a host that
   * was listening. False as well when the connection ends before it answers.
   */
  sync(): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(false);
    const id = this.nextSync++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(false), SYNC_TIMEOUT_MS);
      const settle = (heard: boolean) => {
        clearTimeout(timer);
        this.syncs.delete(id);
        resolve(heard);
      };
      this.syncs.set(id, settle);
      this.send({ type: 'sync', id });
    });
  }

  /** Called once when the connection ends; with an error when the daemon dropped us or went away. */
  onClose(listener: (reason: TokenBridgeError | undefined) => void): () => void {
    return this.closeListeners.add(listener);
  }

  /** Ends the connection; the daemon detaches the token. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.finish(undefined);
    if (this.socket.destroyed) return;
    const ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.end();
    await ended;
  }

  /** Wires the token to the socket after the welcome; `early` are lines that came with it. */
  start(lines: LineSplitter, early: readonly string[]): void {
    this.unsubscribe.push(
      this.token.onInputReport((report) => this.send({ type: 'input', report: toHex(report) })),
      this.token.onPlugChange((plugged) => {
        this.plugsSent += 1;
        this.send({ type: 'plug', plugged });
        // Unplugged, the daemon cannot hear it; plugged back, it must open it again first.
        this.setListening(false);
      }),
    );
    this.socket.on('data', (chunk: string) => this.receive(() => lines.push(chunk)));
    this.socket.on('close', () => this.finish(busError('the daemon closed the emulator bus')));
    this.receive(() => [...early]);
  }

  private receive(next: () => string[]): void {
    try {
      for (const line of next()) this.handle(decodeLine(DaemonMessageSchema, line));
    } catch (err) {
      this.finish(asTokenBridgeError(err));
      this.socket.destroy();
    }
  }

  private handle(message: DaemonMessage): void {
    switch (message.type) {
      case 'set-feature':
        this.answer(message.id, () => this.token.setFeatureReport(fromHex(message.report)));
        break;
      case 'get-feature':
        this.answer(message.id, () => this.token.getFeatureReport());
        break;
      case 'refused':
        throw busError(`the daemon refused the token: ${message.message}`);
      case 'listening':
        if (message.listening && message.plugs !== this.plugsSent) break; // stale
        this.setListening(message.listening);
        break;
      case 'synced':
        this.syncs.get(message.id)?.(message.heard);
        break;
      case 'welcome':
        break;
    }
  }

  private answer(id: number, call: () => Promise<Uint8Array | void>): void {
    call().then(
      (report) =>
        this.send({ type: 'response', id, ok: true, ...(report ? { report: toHex(report) } : {}) }),
      (err: unknown) => {
        const { code, message } = asTokenBridgeError(err).toJSON();
        this.send({ type: 'failure', id, error: { code, message } });
      },
    );
  }

  private setListening(listening: boolean): void {
    if (listening === this.hostListening || this.isClosed) return;
    this.hostListening = listening;
    this.listeningListeners.emit(listening);
  }

  private send(message: EmulatorMessage): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(encodeLine(message));
  }

  private finish(reason: TokenBridgeError | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hostListening = false;
    for (const off of this.unsubscribe) off();
    for (const settle of [...this.syncs.values()]) settle(false);
    this.closeListeners.emit(reason);
    this.closeListeners.clear();
    this.listeningListeners.clear();
  }
}

/**
 * Connects `token` to the daemon listening on `socketPath` and waits for its welcome. Rejects with an
 * EMULATOR_BUS error when nobody listens there or the daemon refuses the token (e.g. a duplicate id).
 */
export function connectEmulator(
  socketPath: string,
  token: VirtualToken,
  options: { welcomeTimeoutMs?: number } = {},
): Promise<EmulatorClient> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    let settled = false;
    const fail = (err: TokenBridgeError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(busError(`the daemon on ${socketPath} did not answer`)),
      options.welcomeTimeoutMs ?? DEFAULT_WELCOME_TIMEOUT_MS,
    );
    const onConnectError = (err: NodeJS.ErrnoException) =>
      fail(busError(`no daemon is listening on ${socketPath} (${err.code ?? err.message})`, err));
    socket.once('error', onConnectError);
    socket.once('connect', () => {
      socket.write(
        encodeLine({
          type: 'hello',
          protocol: BUS_PROTOCOL_VERSION,
          device: {
            id: token.id,
            vendorId: token.vendorId,
            productId: token.productId,
            model: token.model,
          },
          plugged: token.plugged,
        }),
      );
    });
    const onData = (chunk: string) => {
      let pending: string[];
      try {
        pending = lines.push(chunk);
      } catch (err) {
        fail(asTokenBridgeError(err));
        return;
      }
      if (pending.length === 0) return;
      let first: DaemonMessage;
      try {
        first = decodeLine(DaemonMessageSchema, pending[0]!);
      } catch (err) {
        fail(asTokenBridgeError(err));
        return;
      }
      if (first.type === 'refused') {
        fail(busError(`the daemon refused the token: ${first.message}`));
        return;
      }
      if (first.type !== 'welcome') {
        fail(busError('the daemon did not say welcome'));
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onConnectError);
      socket.on('error', () => undefined); // 'close' follows and ends the client
      const client = new EmulatorClient(socket, token);
      client.start(lines, pending.slice(1));
      resolve(client);
    };
    socket.on('data', onData);
    socket.once('close', () => fail(busError(`the daemon on ${socketPath} closed the connection`)));
  });
}
