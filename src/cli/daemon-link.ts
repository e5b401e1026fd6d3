import { createConnection, type Socket } from 'node:net';
import type { ServerEvent } from '../api';
import { TokenBridgeError, type ErrorCode } from '../core';
import {
  CONTROL_RESULTS,
  ControlDaemonLine,
  controlError,
  controlLines,
  decodeControlLine,
  encodeControlLine,
  MAX_REPLY_LINE,
  ControlHello,
  type ControlRequestType,
  type ControlResult,
} from '../daemon/control-protocol';

/** How long the daemon may take to say hello, and to answer a request. */
const HELLO_TIMEOUT_MS = 3000;
const REPLY_TIMEOUT_MS = 15_000;
/** Nothing listens there: no daemon runs (or one died and left its socket file behind). */
const NOBODY = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK']);

interface Pending {
  readonly type: ControlRequestType;
  readonly resolve: (fields: Record<string, unknown>) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type Params<T extends ControlRequestType> = T extends 'tokens.verify'
  ? { serial: string; otp: string }
  : Record<string, never>;

/**
 * The command line's end of the control channel (src/daemon/control-protocol.ts): a connection to
 * the running daemon, requests matched to their replies by id, the page's events after `watch`.
 */
export class DaemonLink {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: ServerEvent) => void>();
  private readonly closeListeners = new Set<(reason: TokenBridgeError | undefined) => void>();
  private ended = false;

  private constructor(
    private readonly socket: Socket,
    readonly hello: ControlHello,
  ) {}

  /**
   * Connects to the daemon answering on `socketPath`; undefined when none runs there. A socket this
   * user may not use (the daemon's peer policy) or a peer that does not speak the protocol fails.
   */
  static connect(socketPath: string): Promise<DaemonLink | undefined> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      socket.setEncoding('utf8');
      const lines = controlLines(MAX_REPLY_LINE);
      let link: DaemonLink | undefined;
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        if (link) link.end(err instanceof TokenBridgeError ? err : controlError(err.message, err));
        else reject(err);
      };
      const timer = setTimeout(
        () => fail(controlError(`the daemon on ${socketPath} did not say hello`)),
        HELLO_TIMEOUT_MS,
      );
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (link) return link.end(controlError(`the control channel failed: ${err.message}`));
        if (NOBODY.has(err.code ?? '')) return resolve(undefined);
        reject(
          err.code === 'EACCES' || err.code === 'EPERM'
            ? controlError(
                `the running daemon's control socket ${socketPath} refuses this user (${err.code}): run this as the daemon's user, or allow this user in the daemon's peer policy`,
                err,
              )
            : controlError(`cannot reach the daemon on ${socketPath}: ${err.message}`, err),
        );
      });
      socket.on('data', (chunk: string) => {
        let received: string[];
        try {
          received = lines.push(chunk);
          for (const line of received) {
            const message = decodeControlLine(ControlDaemonLine, line);
            if (link) {
              link.receive(message);
              continue;
            }
            const hello = ControlHello.safeParse(message);
            if (!hello.success) throw controlError('the daemon did not say hello first');
            clearTimeout(timer);
            link = new DaemonLink(socket, hello.data);
            resolve(link);
          }
        } catch (err) {
          fail(err as Error);
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (link) link.end(controlError('the daemon closed the control channel'));
        else reject(controlError(`the daemon on ${socketPath} closed the connection`));
      });
    });
  }

  /** Sends a request; resolves with its result, rejects with the daemon's error (its code kept). */
  request<T extends ControlRequestType>(type: T, params: Params<T>): Promise<ControlResult<T>> {
    if (this.ended) return Promise.reject(controlError('the control channel is closed'));
    const id = this.nextId++;
    return new Promise<ControlResult<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(controlError(`the daemon did not answer ${type} within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, {
        type,
        resolve: (fields) => {
          const parsed = CONTROL_RESULTS[type].safeParse(fields);
          if (parsed.success) resolve(parsed.data as ControlResult<T>);
          else reject(controlError(`the daemon's reply to ${type} does not validate`));
        },
        reject,
        timer,
      });
      this.socket.write(encodeControlLine({ id, type, ...params }));
    });
  }

  /** The page's events, after a `watch` request. */
  onEvent(listener: (event: ServerEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Once, when the connection ends; with the reason when the daemon ended it. */
  onClose(listener: (reason: TokenBridgeError | undefined) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.end(undefined);
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private receive(message: ControlDaemonLine): void {
    if ('ok' in message) {
      const id = message.id;
      const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (!pending || typeof id !== 'number') return;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      if (message.ok === false)
        pending.reject(
          new TokenBridgeError(message.error.code as ErrorCode, message.error.message),
        );
      else {
        const { id: _id, ok: _ok, ...fields } = message;
        pending.resolve(fields);
      }
      return;
    }
    if (message.type === 'hello') return;
    for (const listener of [...this.eventListeners]) listener(message);
  }

  private end(reason: TokenBridgeError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(reason ?? controlError('the control channel is closed'));
    }
    for (const listener of [...this.closeListeners]) listener(reason);
    this.closeListeners.clear();
    this.eventListeners.clear();
  }
}
